// The article form's text is kept in this browser while it is typed, so a session that ran out
// (or a closed tab) does not lose it: the form offers it back until it is saved. Files (cover,
// images) cannot be kept by a page and are chosen again.
(function () {
  "use strict";
  var PREFIX = "csj-article-draft:";
  var FIELDS = ["title", "author", "digest", "source_url", "body", "publish_at"];

  // After a save the article page is opened with ?saved=<draft>: that draft is stored now.
  var params = new URLSearchParams(window.location.search);
  if (params.has("saved")) {
    window.localStorage.removeItem(PREFIX + params.get("saved"));
    params.delete("saved");
    var rest = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (rest ? "?" + rest : ""));
  }

  var form = document.getElementById("article-form");
  if (!form) return;
  var key = PREFIX + form.dataset.draft; // per person and article: a shared computer mixes none
  var $ = function (id) { return document.getElementById(id); };

  function values() {
    var kept = {};
    FIELDS.forEach(function (name) { kept[name] = form[name].value; });
    var format = form.querySelector("input[name=body_format]:checked");
    kept.body_format = format ? format.value : "";
    kept.accounts = Array.prototype.filter.call(form.querySelectorAll("input[name=accounts]"),
      function (box) { return box.checked; }).map(function (box) { return box.value; });
    return kept;
  }

  function put(kept) {
    FIELDS.forEach(function (name) { form[name].value = kept[name] || ""; });
    form.querySelectorAll("input[name=body_format]").forEach(function (radio) {
      radio.checked = radio.value === kept.body_format;
    });
    form.querySelectorAll("input[name=accounts]").forEach(function (box) {
      box.checked = (kept.accounts || []).indexOf(box.value) >= 0;
    });
    form.dispatchEvent(new Event("input")); // the live preview follows
  }

  function stored() {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null; // not ours, or damaged: nothing to offer
    }
  }

  function keep() {
    window.localStorage.setItem(key, JSON.stringify({ at: Date.now(), values: values() }));
  }

  var draft = stored();
  if (draft && draft.values && JSON.stringify(draft.values) !== JSON.stringify(values())) {
    var offer = $("draft-offer");
    // Beijing time, as every time in the app.
    $("draft-time").textContent = new Date(draft.at).toLocaleString("zh-CN",
      { hour12: false, timeZone: "Asia/Shanghai" });
    offer.hidden = false;
    $("draft-restore").addEventListener("click", function () {
      put(draft.values);
      offer.hidden = true;
    });
    $("draft-discard").addEventListener("click", function () {
      window.localStorage.removeItem(key);
      offer.hidden = true;
    });
  }
  form.addEventListener("input", keep);
  form.addEventListener("change", keep);
})();
