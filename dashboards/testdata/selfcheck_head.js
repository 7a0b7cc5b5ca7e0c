// Injected by browser_test.go at the top of <head>, before any other script:
// records every script error, failed resource load, console.error and
// console.warn, so the check can report them.
(function () {
  "use strict";
  var log = (window.__selfcheckErrors = []);
  window.addEventListener(
    "error",
    function (e) {
      var t = e.target;
      if (t && t !== window && (t.src || t.href)) {
        log.push("resource failed: " + (t.src || t.href));
        return;
      }
      log.push("error: " + e.message + " at " + e.filename + ":" + e.lineno);
    },
    true
  );
  window.addEventListener("unhandledrejection", function (e) {
    log.push("unhandled rejection: " + e.reason);
  });
  ["error", "warn"].forEach(function (level) {
    var orig = console[level];
    console[level] = function () {
      log.push("console." + level + ": " + Array.prototype.join.call(arguments, " "));
      return orig.apply(console, arguments);
    };
  });
})();
