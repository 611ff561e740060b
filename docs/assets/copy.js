// The site shows code as interactive sessions (```pycon: >>> and ... prompts, then what
// Python printed). Pasted as it is into a file or IPython, a session fails, or worse runs:
// an output line such as `y = 0.7071` reassigns y. So what leaves the page, through the
// copy button here and the "Try it" links of try-it.js (which loads after this file), is
// the session's code alone, made by the one function below.
(() => {
  "use strict";
  const prompt = /^(>>>|\.\.\.)( |$)/;
  const code = {
    // Whether a <code> element holds a session: by its language, not by its text, so that a
    // Python file or a shell script that happens to contain ">>> " is left as it is.
    isSession: element => Boolean(element.closest(".language-pycon")),
    // The lines a student typed, without their 4-character prompts; the output is dropped.
    runnable: text => text.split("\n").filter(line => prompt.test(line))
      .map(line => line.slice(4)).join("\n"),
  };
  window.chainruleCode = code;

  // Material's copy button is a <button data-clipboard-target="#__code_N > code"> that it
  // adds to each block itself (at page load, again after an instant navigation, or when the
  // block first shows under content.lazy), and Clipboard.js, listening on document.body,
  // copies the button's data-clipboard-text in preference to the target's text. A listener
  // that captures the click on the document runs before that one whenever the button was
  // made, and sets the text from the block as it is at that moment; other blocks keep
  // Material's own copy, and so does text a reader selects by hand.
  document.addEventListener("click", event => {
    const button = event.target instanceof Element && event.target.closest("[data-clipboard-target]");
    if (!button) return;
    const target = document.querySelector(button.getAttribute("data-clipboard-target"));
    if (!target || !code.isSession(target)) return;
    button.setAttribute("data-clipboard-text", code.runnable(target.textContent));
  }, true);
})();
