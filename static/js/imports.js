// Import pages: once a form with data-busy is sent, show that the portal is working and stop a
// second click from sending it twice.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.hasAttribute("data-busy")) { return; }
  if (form.classList.contains("is-busy")) { event.preventDefault(); return; }
  form.classList.add("is-busy");
  var button = form.querySelector("button[type=submit]");
  if (button) { button.setAttribute("aria-disabled", "true"); }
});
