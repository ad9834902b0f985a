// The question editor: add, move and remove rows in place, and a live Markdown preview.
// Without this script the same buttons are submitted and the server does the work, so
// nothing typed is lost either way.
(function () {
  "use strict";

  var form = document.getElementById("question-form");
  if (!form) {
    return;
  }
  var status = form.querySelector("[data-row-status]");
  // After a refused save, start at the list of problems (each links to its field).
  var problems = document.getElementById("form-problems");
  if (problems) {
    problems.focus();
  }

  function say(message) {
    if (status && message) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = message; }, 50);
    }
  }

  // --- rows ---------------------------------------------------------------------------

  var ATTRIBUTES = ["id", "name", "for", "aria-describedby", "aria-labelledby"];

  // Give the rows of a list the indexes 0, 1, 2… in the order they are shown, so the
  // submitted names (answers-0-text…) follow the order on screen.
  function renumber(list) {
    var name = list.getAttribute("data-row-list");
    var pattern = new RegExp("^(" + name + ")-(\\d+|__index__)(?=-|$)");
    var rows = list.querySelectorAll("[data-rows] > [data-row]");
    Array.prototype.forEach.call(rows, function (row, index) {
      var nodes = [row].concat(Array.prototype.slice.call(row.querySelectorAll("*")));
      nodes.forEach(function (node) {
        ATTRIBUTES.forEach(function (attribute) {
          var value = node.getAttribute(attribute);
          if (value) {
            node.setAttribute(attribute, value.split(" ").map(function (part) {
              return part.replace(pattern, "$1-" + index);
            }).join(" "));
          }
        });
        var action = node.getAttribute("data-row-action");
        if (action && action !== "add") {
          node.value = action + ":" + name + ":" + index;
        }
      });
      var number = row.querySelector("[data-row-number]");
      if (number) {
        number.textContent = String(index + 1);
      }
    });
  }

  function addRow(list) {
    var template = list.querySelector("template[data-row-template]");
    var holder = list.querySelector("[data-rows]");
    var fragment = template.content.cloneNode(true);
    holder.appendChild(fragment);
    renumber(list);
    var rows = holder.querySelectorAll("[data-row]");
    var added = rows[rows.length - 1];
    var first = added.querySelector("textarea, input:not([type=hidden]), select");
    if (first) {
      first.focus();
    }
    say(form.getAttribute("data-msg-added"));
  }

  function moveRow(list, row, direction) {
    var holder = list.querySelector("[data-rows]");
    if (direction === "up" && row.previousElementSibling) {
      holder.insertBefore(row, row.previousElementSibling);
    } else if (direction === "down" && row.nextElementSibling) {
      holder.insertBefore(row.nextElementSibling, row);
    } else {
      return;
    }
    renumber(list);
    var button = row.querySelector("[data-row-action=" + direction + "]");
    if (button) {
      button.focus();
    }
    say(form.getAttribute("data-msg-moved"));
  }

  function removeRow(list, row) {
    var next = row.nextElementSibling || row.previousElementSibling;
    row.parentNode.removeChild(row);
    renumber(list);
    var target = next
      ? next.querySelector("textarea, input:not([type=hidden]), select")
      : list.querySelector("[data-row-action=add]");
    if (target) {
      target.focus();
    }
    say(form.getAttribute("data-msg-removed"));
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-row-action]");
    if (!button || !form.contains(button)) {
      return;
    }
    var list = button.closest("[data-row-list]");
    if (!list) {
      return;
    }
    event.preventDefault();
    var action = button.getAttribute("data-row-action");
    if (action === "add") {
      addRow(list);
      return;
    }
    var row = button.closest("[data-row]");
    if (action === "remove") {
      removeRow(list, row);
    } else {
      moveRow(list, row, action);
    }
  });

  // --- live preview -------------------------------------------------------------------

  var url = form.getAttribute("data-preview-url");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var formatField = document.getElementById("questiontextformat");
  var timers = {};

  function refresh(source) {
    var target = document.getElementById(source.getAttribute("data-preview"));
    if (!target || !url) {
      return;
    }
    var headers = { "Content-Type": "application/json" };
    if (tokenField) {
      headers["X-CSRFToken"] = tokenField.value;
    }
    fetch(url, {
      method: "POST",
      headers: headers,
      credentials: "same-origin",
      body: JSON.stringify({
        text: source.value,
        format: formatField ? formatField.value : "markdown",
        version: form.getAttribute("data-preview-version") || "",
        // the question text is previewed as its type shows it (a Cloze question's blanks)
        qtype: source.id === "questiontext" ? form.getAttribute("data-qtype") || "" : ""
      })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && typeof data.html === "string") {
        target.innerHTML = data.html; // sanitised by the server (nh3 allow-list)
      }
    }).catch(function () { /* keep the last preview */ });
  }

  var sources = form.querySelectorAll("textarea[data-preview]");
  Array.prototype.forEach.call(sources, function (source) {
    source.addEventListener("input", function () {
      window.clearTimeout(timers[source.id]);
      timers[source.id] = window.setTimeout(function () { refresh(source); }, 300);
    });
  });
  if (formatField) {
    formatField.addEventListener("change", function () {
      Array.prototype.forEach.call(sources, refresh);
    });
  }
})();
