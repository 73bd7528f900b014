// A file picker in the page's own words: the chosen files' names shown beside its button (the browser's own button
// may speak another language than the page).
document.addEventListener("change", function (event) {
  var input = event.target;
  var out = input.dataset && input.dataset.names ? document.getElementById(input.dataset.names) : null;
  if (!out) return;
  var names = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
  out.textContent = names.length ? names.join("、") : out.dataset.empty;
});
