// "Select all" for a list of checkboxes: a box with data-select-all="uscc" ticks or clears every input named uscc
// (a script file, not an inline handler: the pages' content security policy runs no inline script).
document.addEventListener("change", function (event) {
  var box = event.target;
  var name = box.dataset ? box.dataset.selectAll : null;
  if (!name) return;
  document.querySelectorAll('input[type="checkbox"][name="' + name + '"]').forEach(function (b) {
    b.checked = box.checked;
  });
});
