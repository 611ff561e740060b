// "Try it" on each lesson's code: a link that opens the code in the playground. A lesson's
// examples build on one another, so the link carries every example of the page up to this
// one; from an interactive session (>>> and ... prompts) it keeps the code, not the output.
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !/\/lessons\//.test(location.pathname)) return;
  const playground = new URL("../playground/index.html", script.src);
  const blocks = document.querySelectorAll(".md-content .highlight pre > code");
  const encode = text => {
    let binary = "";
    for (const b of new TextEncoder().encode(text)) binary += String.fromCharCode(b);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const { isSession, runnable } = window.chainruleCode;  // copy.js, loaded before this file
  const codeOf = block =>
    isSession(block) ? runnable(block.textContent) : block.textContent.replace(/\n+$/, "");
  const sofar = [];
  blocks.forEach(block => {
    if (!/language-(python|pycon|py)\b/.test(block.closest(".highlight").className + " " + block.className)) return;
    sofar.push(codeOf(block));
    const link = document.createElement("a");
    link.className = "try-it";
    link.textContent = "Try it \u25B6";
    link.title = "Open this example (and the ones before it on this page) in the playground";
    link.href = playground.href + "#code=" + encode(sofar.join("\n\n") + "\n");
    block.closest(".highlight").after(link);
  });
})();
