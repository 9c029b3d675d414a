// The article form's live preview: after typing stops, send the form to /articles/preview
// (the real pipeline, CSRF header) and show the phone preview, problems and advice.
// A paste area takes rich text from a web page or the WeChat editor as HTML.
(function () {
  "use strict";
  var form = document.getElementById("article-form");
  if (!form) return;
  var DELAY = 500;
  var timer = null;
  var sent = 0;
  var $ = function (id) { return document.getElementById(id); };
  var token = form.querySelector("input[name=csrf_token]").value;

  function fill(list, items) {
    list.textContent = "";
    items.forEach(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      list.appendChild(li);
    });
  }

  function show(result) {
    // The HTML comes from the server's sanitiser (an allow-list): safe to insert.
    $("wx-body").innerHTML = result.html;
    $("wx-title").textContent = form.title.value || "（标题）";
    $("wx-author").textContent = form.author.value;
    $("wx-card-title").textContent = form.title.value;
    $("wx-card").hidden = !result.cover;
    if (result.cover) $("wx-cover").src = result.cover;
    fill($("preview-problems"), result.problems);
    fill($("preview-warnings"), result.warnings);
    $("problem-count").textContent = result.problems.length;
    $("warning-count").textContent = result.warnings.length;
    ["strip_pinyin", "to_simplified"].forEach(function (fix) {
      $("fix-" + fix).hidden = result.fixes.indexOf(fix) < 0;
    });
  }

  function update() {
    var mine = ++sent;
    var data = new FormData(form);
    data.delete("action");
    $("preview-status").textContent = "正在更新…";
    fetch(form.dataset.preview, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (result) {
      if (mine !== sent) return; // a newer request is on its way
      show(result);
      $("preview-status").textContent = "已更新";
    }).catch(function (error) {
      if (mine === sent) $("preview-status").textContent = "预览失败（" + error.message + "），可点“预览”按钮";
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, DELAY);
  }

  function pasted(event) {
    var clip = event.clipboardData;
    var html = clip && clip.getData("text/html");
    var text = clip && clip.getData("text/plain");
    if (!html && !text) return;
    event.preventDefault(); // never insert foreign markup into this page: the body holds it
    form.body.value = html || text;
    form.querySelector("input[name=body_format][value=" + (html ? "html" : "markdown") + "]").checked = true;
    var status = $("paste-status");
    status.hidden = false;
    status.textContent = html
      ? "已粘贴富文本（" + html.length + " 个字符的 HTML），已放入下方正文；预览见右侧。"
      : "剪贴板里只有纯文本，已作为 Markdown 放入下方正文。";
    later();
  }

  function referImages() {
    // Markdown refers to a chosen image by its file name: put the reference in for the editor.
    if (!form.querySelector("input[name=body_format][value=markdown]").checked) return;
    var body = form.body;
    var refs = Array.prototype.map.call($("images").files, function (file) {
      return file.name;
    }).filter(function (name) {
      return body.value.indexOf(name) < 0;
    }).map(function (name) {
      return "![](<" + name + ">)";
    });
    if (!refs.length) return;
    var at = body.selectionEnd || body.value.length;
    body.value = body.value.slice(0, at) + "\n\n" + refs.join("\n\n") + "\n\n" + body.value.slice(at);
  }

  $("images").addEventListener("change", referImages);
  var paste = $("paste");
  paste.hidden = false;
  paste.addEventListener("paste", pasted);
  paste.addEventListener("beforeinput", function (event) {
    event.preventDefault(); // a place to paste into, not to type in: the body is below
  });
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  update();
})();
