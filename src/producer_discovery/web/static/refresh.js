// Dashboard self-refresh: every 15 s, fetch the page again and swap the #live region,
// unless the box is unticked or a form inside it has the keyboard focus.
(function () {
  "use strict";
  var box = document.getElementById("auto-refresh");
  var stamp = document.getElementById("refreshed");
  function refresh() {
    var live = document.getElementById("live");
    if (!box || !box.checked || !live || live.contains(document.activeElement)) return;
    fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) return;
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("live");
        var freshStamp = page.getElementById("refreshed");
        if (fresh) live.innerHTML = fresh.innerHTML;
        if (fresh && stamp && freshStamp) stamp.textContent = freshStamp.textContent;
      })
      .catch(function () {});
  }
  window.pdRefreshDashboard = refresh;
  window.setInterval(refresh, 15000);
})();
