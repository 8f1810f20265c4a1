// Upload workbooks one request per file, each with its own progress bar and its own message. Each goes to the
// page's own upload address, which answers as the API does but in the page's language.
// Without JavaScript the plain form posts every chosen file at once.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file");
  var list = document.getElementById("uploads");
  if (!form || !zone || !input || !list || !window.XMLHttpRequest || !window.FormData) return;

  var url = form.getAttribute("data-upload-url");
  var token = form.querySelector("input[name=csrf_token]");
  var waiting = [];
  var running = 0;
  var PARALLEL = 2;

  // A string in the page's language (the page's JSON catalogue, webapp/language.py), `{name}` parts filled in.
  function t(key, fallback) { return window.pageText(key, fallback); }

  function size(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  // As the pages show every file name: without direction overrides, so `x\u202egnp.csv` cannot pose as a .png.
  function shown(name) {
    return name.replace(/[\u202a-\u202e\u2066-\u2069]/g, "");
  }

  function addItem(file) {
    var item = element("li", "upload");
    item.setAttribute("data-state", "waiting");
    var head = element("div", "upload-head");
    head.appendChild(element("span", "upload-name", shown(file.name)));
    head.appendChild(element("span", "upload-size", size(file.size)));
    var bar = element("progress", "upload-bar");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", t("uploadOf", "Upload of {name}").replace("{name}", shown(file.name)));
    var message = element("p", "upload-message", t("waiting", "Waiting to upload…"));
    item.appendChild(head);
    item.appendChild(bar);
    item.appendChild(message);
    list.insertBefore(item, list.firstChild);
    return { file: file, item: item, bar: bar, message: message };
  }

  function settle(entry, state, text) {
    entry.item.setAttribute("data-state", state);
    entry.message.textContent = text;
    if (state === "error") {
      entry.message.setAttribute("role", "alert");
      var dismiss = element("button", "dismiss", t("dismiss", "Dismiss"));
      dismiss.type = "button";
      dismiss.setAttribute("aria-label", t("dismissAbout", "Dismiss the message about {name}").replace("{name}", shown(entry.file.name)));
      dismiss.addEventListener("click", function () { entry.item.remove(); input.focus(); });
      entry.item.querySelector(".upload-head").appendChild(dismiss);
    }
    running -= 1;
    next();
  }

  function errorText(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error) return body.error;
    } catch (e) { /* not JSON: fall through to a generic message */ }
    if (xhr.status === 413) return t("tooLarge", "This file is larger than the upload limit.");
    return t("failedStatus", "The upload failed (error {status}). Please try again.").replace("{status}", xhr.status);
  }

  function send(entry) {
    var xhr = new XMLHttpRequest();
    var body = new FormData();
    body.append("file", entry.file, entry.file.name);
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    if (token) xhr.setRequestHeader("X-CSRFToken", token.value);
    entry.item.setAttribute("data-state", "uploading");
    entry.message.textContent = t("uploading", "Uploading…");
    // Sending the bytes fills the bar to 95%; the last part is the server storing the file, so the bar
    // reaches 100% exactly when the upload is stored (not while the server is still checking it).
    xhr.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.round((event.loaded / event.total) * 95);
      entry.bar.value = percent;
      entry.message.textContent = percent >= 95 ? t("storing", "Storing…") : t("uploadingPercent", "Uploading… {percent}%").replace("{percent}", percent);
    };
    xhr.onload = function () {
      if (xhr.status === 202) {
        entry.bar.value = 100;
        entry.bar.setAttribute("aria-valuetext", "stored");
        var answer = JSON.parse(xhr.responseText);
        var doc = answer.documents[0];
        entry.item.setAttribute("data-document", String(doc.id));
        if (answer.queue === "unavailable") {
          // Keep saying why it waits until its status moves on (the poll skips a status already shown).
          entry.item.setAttribute("data-status", doc.status);
          settle(entry, "stored", t("uploaded", "Uploaded.") + " " + answer.message);
        } else {
          settle(entry, "sent", t("queued", "Uploaded. Waiting its turn to be processed…"));
        }
        document.dispatchEvent(new CustomEvent("documents:changed", { detail: doc }));
      } else {
        settle(entry, "error", errorText(xhr));
      }
    };
    xhr.onerror = function () { settle(entry, "error", t("connectionLost", "The connection was lost during the upload. Please try again.")); };
    xhr.send(body);
  }

  function next() {
    while (running < PARALLEL && waiting.length) {
      running += 1;
      send(waiting.shift());
    }
  }

  function upload(files) {
    for (var i = 0; i < files.length; i += 1) waiting.push(addItem(files[i]));
    next();
  }

  // A failed file's reason as its row in the list says it (in the page's language); the API's English otherwise.
  function reasonOf(doc) {
    var said = document.querySelector("#document-" + doc.id + " .reason");
    return (said && said.textContent) || doc.error;
  }

  // Once uploaded, each file's line follows its processing, so the user sees the outcome where they looked.
  var PROGRESS = {
    queued: function () { return t("queued", "Uploaded. Waiting its turn to be processed…"); },
    processing: function () { return t("processing", "Uploaded. Adding up its numbers…"); },
    done: function (doc) { return t("done", "Done: its numbers add up to {total}.").replace("{total}", doc.total); },
    failed: function (doc) {
      return t("failed", "Could not be processed: {reason} Open it to see what you can do.").replace("{reason}", reasonOf(doc) || t("unknownReason", "unknown reason"));
    },
  };

  // A stored upload's card folds into the file list once its row is there (or it has finished): the table
  // says the rest, and twenty finished cards no longer repeat it. Refused uploads stay until dismissed.
  var folded = 0;
  var summary = element("p", "folded");
  summary.id = "uploads-folded";
  summary.setAttribute("role", "status");
  list.parentNode.insertBefore(summary, list.nextSibling);

  function fold(docs) {
    var finished = {};
    (docs || []).forEach(function (doc) { if (doc.status === "done" || doc.status === "failed") finished[doc.id] = true; });
    Array.prototype.forEach.call(list.querySelectorAll(".upload[data-document]"), function (item) {
      var id = item.getAttribute("data-document");
      if (item.getAttribute("data-state") === "error") return;
      if (!document.getElementById("document-" + id) && !finished[id]) return;
      item.remove();
      folded += 1;
    });
    if (folded) summary.textContent = "✓ " + (folded === 1 ? t("foldedOne", "{count} uploaded file is in the list of files below.") : t("foldedMany", "{count} uploaded files are in the list of files below.")).replace("{count}", folded);
  }
  document.addEventListener("documents:listed", function (event) { fold(event.detail); });

  // Leaving mid-upload loses the files not yet sent: the browser asks first.
  window.addEventListener("beforeunload", function (event) {
    if (!running && !waiting.length) return;
    event.preventDefault();
    event.returnValue = "";
  });
  document.addEventListener("documents:polled", function (event) {
    event.detail.forEach(function (doc) {
      var item = list.querySelector('[data-document="' + doc.id + '"]');
      if (!item || !PROGRESS[doc.status] || item.getAttribute("data-status") === doc.status) return;
      item.setAttribute("data-status", doc.status);
      // Its wait for the queue is over once its status moves on.
      if (item.getAttribute("data-state") === "stored") item.setAttribute("data-state", "sent");
      item.querySelector(".upload-message").textContent = PROGRESS[doc.status](doc);
    });
  });

  form.classList.add("enhanced");
  input.addEventListener("change", function () {
    if (input.files && input.files.length) upload(input.files);
    input.value = "";
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (input.files && input.files.length) upload(input.files);
  });

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      if (event.target === zone) zone.classList.remove("dragging");
    });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("dragging");
    if (event.dataTransfer && event.dataTransfer.files.length) upload(event.dataTransfer.files);
  });
  // A file dropped just outside the zone must not make the browser leave the page to open it.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });
})();
