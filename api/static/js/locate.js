// Fills a form's lat and lng from the device's position when its locate button is pressed
// (the button stays hidden where the browser cannot locate). Its texts come from the page.
document.querySelectorAll("button[data-locate]").forEach(function (button) {
  if (!navigator.geolocation) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var form = button.form;
    var status = document.getElementById(button.getAttribute("data-locate"));
    status.textContent = button.getAttribute("data-waiting");
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        form.elements.lat.value = pos.coords.latitude.toFixed(6);
        form.elements.lng.value = pos.coords.longitude.toFixed(6);
        status.textContent = button.getAttribute("data-done");
      },
      function () {
        status.textContent = button.getAttribute("data-failed");
      },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  });
});
