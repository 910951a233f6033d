/* The directory's only script: search as you type, "more" in place, live changes.
   The server renders every page whole; this script only fetches the same HTML again. */
(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !window.fetch) return;
  var live = main.getAttribute("data-live") || "";
  var form = document.getElementById("finder");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var pending = null;
  var typing = 0;

  function query(extra) {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (String(value).trim()) params.append(name, String(value).trim());
    });
    Object.keys(extra || {}).forEach(function (name) { params.set(name, extra[name]); });
    return params.toString();
  }

  function fragment(text) {
    var template = document.createElement("template");
    template.innerHTML = text;
    return template.content;
  }

  function summary() {
    var count = results.querySelectorAll(".cards > li").length;
    var more = results.querySelector(".more");
    status.textContent = count === 0 ? "No trainer matches these filters."
      : count + (count === 1 ? " trainer" : " trainers") + " shown" + (more ? ", more below." : ".");
  }

  function load(url) {
    if (pending) pending.abort();
    var controller = window.AbortController ? new AbortController() : null;
    pending = controller;
    results.classList.add("loading");
    return fetch(url, controller ? { signal: controller.signal } : {}).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (text) {
      if (pending === controller) pending = null;
      results.classList.remove("loading");
      return fragment(text);
    }, function (error) {
      results.classList.remove("loading");
      if (error && error.name === "AbortError") return null;
      status.textContent = "The list could not be updated; try again.";
      return null;
    });
  }

  function search(extra, keepFocus) {
    var qs = query();
    var focused = keepFocus && document.activeElement && document.activeElement.getAttribute("href");
    return load("/results" + "?" + query(extra)).then(function (content) {
      if (!content) return;
      results.replaceChildren(content);
      summary();
      if (!keepFocus) history.replaceState(null, "", qs ? "/?" + qs : "/");
      if (focused) {
        var again = results.querySelector('a[href="' + focused.replace(/"/g, "") + '"]');
        if (again) again.focus();
      }
    });
  }

  function more(link) {
    var cursor = new URL(link.href, location.href).searchParams.get("cursor");
    if (!cursor) return;
    var list = results.querySelector(".cards");
    var first = list ? list.children.length : 0;
    load("/results?" + query({ cursor: cursor })).then(function (content) {
      if (!content) return;
      var cards = content.querySelector(".cards");
      var next = content.querySelector(".more");
      if (list && cards) list.append.apply(list, Array.prototype.slice.call(cards.children));
      var old = results.querySelector(".more");
      if (old) old.remove();
      if (next) results.append(next);
      summary();
      var added = list && list.children[first];
      var target = added && added.querySelector("a");
      if (target) target.focus();
    });
  }

  if (form && results) {
    // Typing waits for a pause; a choice in a list applies at once ("change": some
    // browsers and assistive tools fire no "input" on a select).
    var edited = function (event) {
      clearTimeout(typing);
      typing = setTimeout(search, event.target.type === "search" ? 250 : 0);
    };
    form.addEventListener("input", edited);
    form.addEventListener("change", function (event) {
      if (event.target.tagName === "SELECT") edited(event);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(typing);
      search();
    });
    results.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest(".more a");
      if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      more(link);
    });
  }

  function reloadPage() {
    fetch(location.pathname + location.search).then(function (response) {
      return response.text();
    }).then(function (text) {
      var page = new DOMParser().parseFromString(text, "text/html");
      var fresh = page.getElementById("main");
      if (!fresh) return;
      document.title = page.title;
      main.replaceChildren.apply(main, Array.prototype.slice.call(fresh.childNodes));
    }).catch(function () { /* the next change tries again */ });
  }

  var refresh = 0;
  function changed(id) {
    if (live.indexOf("trainer:") === 0 && id && live !== "trainer:" + id) return;
    clearTimeout(refresh);
    refresh = setTimeout(function () {
      if (live === "results" && results) {
        var shown = results.querySelectorAll(".cards > li").length;
        var limit = Math.min(100, Math.max(Number(results.getAttribute("data-limit")) || 24, shown));
        search({ limit: String(limit) }, true);
      } else {
        reloadPage();
      }
    }, 300);
  }

  if (live && window.EventSource) {
    var feed = new EventSource("/query/changes");
    feed.onmessage = function (event) {
      var change = {};
      try { change = JSON.parse(event.data); } catch (error) { return; }
      changed(change.trainer_id);
    };
    feed.addEventListener("reset", function () { changed(""); });
    main.setAttribute("data-listening", "");
    feed.addEventListener("ready", function () { main.setAttribute("data-listening", "ready"); });
  }
})();
