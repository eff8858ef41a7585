"""JSON API routers; handlers stay thin and call the engine service or store query modules."""
