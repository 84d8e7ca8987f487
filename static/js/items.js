// Flagged items: small conveniences on the item forms. Every form works without them.
(function () {
  "use strict";

  // Chosen files: say which, next to the buttons.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input.file-input")) return;
    var box = input.closest(".files");
    if (!box) return;
    var names = [];
    box.querySelectorAll("input.file-input").forEach(function (each) {
      for (var i = 0; i < each.files.length; i++) names.push(each.files[i].name);
    });
    var out = box.querySelector(".file-names");
    if (out) out.textContent = names.join(", ");
  });

  // Towns: only those of the chosen district.
  function filterTowns(district, town) {
    if (!district || !town) return;
    var chosen = district.value;
    town.querySelectorAll("optgroup").forEach(function (group) {
      var options = group.querySelectorAll("option");
      var match = options.length && options[0].getAttribute("data-district") === chosen;
      group.hidden = !match;
      group.disabled = !match;
    });
    var selected = town.options[town.selectedIndex];
    if (selected && selected.parentNode.disabled) town.value = town.options[0].value;
  }

  function pairOf(district) {
    var form = district.form;
    return form && form.querySelector("select[name=town_id], select[name=town]");
  }

  document.querySelectorAll("select[name=district_id]").forEach(function (district) {
    filterTowns(district, pairOf(district));
    district.addEventListener("change", function () { filterTowns(district, pairOf(district)); });
  });

  // Target: search as one types; the new-target fields only when no target is picked.
  var search = document.querySelector("input[data-target-search]");
  var picker = document.querySelector("select[name=target_id]");
  var fresh = document.querySelector("fieldset.new-target");

  function toggleNewTarget() {
    if (picker && fresh) fresh.hidden = picker.value !== "0";
  }

  if (search && picker) {
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim();
        if (q.length < 2) return;
        var url = search.getAttribute("data-target-search") + "?q=" + encodeURIComponent(q);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (rows) {
            while (picker.options.length > 1) picker.remove(1);
            rows.forEach(function (row) {
              picker.add(new Option(row.label, String(row.id)));
            });
            picker.value = rows.length === 1 ? String(rows[0].id) : "0";
            toggleNewTarget();
          })
          .catch(function () {});
      }, 300);
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        search.dispatchEvent(new Event("input"));
      }
    });
    picker.addEventListener("change", toggleNewTarget);
    toggleNewTarget();
  }

  // Enforcement: the amount belongs to fines only.
  document.querySelectorAll("form.action-enforcement").forEach(function (form) {
    var kind = form.querySelector("select[name=kind]");
    var amount = form.querySelector(".fine-amount");
    if (!kind || !amount) return;
    function toggle() { amount.hidden = kind.value !== "fine"; }
    kind.addEventListener("change", toggle);
    toggle();
  });
})();
