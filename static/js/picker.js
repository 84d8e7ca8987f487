// Long checkbox lists (team members, towns): a search box that hides the options that do not
// match. Without JavaScript the box stays hidden and every option shows.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.picker-filter[data-filter]").forEach(function (box) {
    var list = document.getElementById(box.getAttribute("data-filter"));
    if (!list) { return; }
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      list.querySelectorAll(".picker-group").forEach(function (group) {
        var groupName = (group.querySelector("legend, summary") || group).textContent.toLowerCase();
        var shown = 0;
        group.querySelectorAll(".picker-option").forEach(function (option) {
          var hit = !words || option.textContent.toLowerCase().indexOf(words) !== -1 ||
            groupName.indexOf(words) !== -1;
          option.hidden = !hit;
          if (hit) { shown += 1; }
        });
        group.hidden = shown === 0;
        if (words && shown && group.tagName === "DETAILS") { group.open = true; }
      });
    });
  });
});
