"""Public request and response models of the JSON API."""
