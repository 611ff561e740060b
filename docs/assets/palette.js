// The course site's palette, told to the explorers it embeds: each explorer page (made with
// theme="auto") asks with {chainrule: "ready"} when it starts, and hears again whenever the
// reader switches between the light and the dark palette. Messages work between frames of
// any origin, so this holds on a server and from a local folder alike.
(() => {
  "use strict";
  const palette = () =>
    document.body.getAttribute("data-md-color-scheme") === "slate" ? "dark" : "light";
  const tell = frame => {
    if (frame.contentWindow) frame.contentWindow.postMessage({ chainrule: "palette", palette: palette() }, "*");
  };
  window.addEventListener("message", e => {
    if (!e.data || e.data.chainrule !== "ready") return;
    for (const frame of document.querySelectorAll("iframe")) if (frame.contentWindow === e.source) tell(frame);
  });
  new MutationObserver(() => document.querySelectorAll("iframe").forEach(tell))
    .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
})();
