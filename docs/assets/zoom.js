// A picture of the page, opened whole: a click (or Enter, once it has the focus) on a
// picture of a lesson or a notebook opens it at its natural size in an overlay over the
// page. There it scrolls (scroll bars, the wheel, or a drag), zooms (its buttons, + and -,
// 0 for the natural size, or Ctrl with the wheel) and closes with Esc, its Close button or
// a click beside the picture. The pictures on the page are laid out to be read where they
// are (site.css, docs/lessons/make_pictures.py); this is for a closer look, or for a graph
// that only fits the column by scrolling. The explorers in their frames zoom on their own.
(() => {
  "use strict";
  const PICTURES = ".md-typeset img, .md-typeset .jp-RenderedSVG svg";
  const STEP = 1.25;
  const MIN_ZOOM = 0.1;
  const MAX_ZOOM = 8;
  const DRAG = 4; // px a press moves before it is a drag, not a click

  const zoomable = el =>
    el instanceof Element && el.matches(PICTURES) && !el.closest("a, button, .picture-zoom");

  function mark(root) {
    for (const el of root.querySelectorAll(PICTURES)) {
      if (!zoomable(el) || el.classList.contains("zoomable")) continue;
      el.classList.add("zoomable");
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "button");
      const name = el.getAttribute("alt") || el.getAttribute("aria-label") || "Picture";
      el.setAttribute("aria-label", `${name} (open at full size)`);
    }
  }

  // The picture's natural size in CSS px: an image's own, an inline SVG's width and height
  // (Graphviz writes them in pt, 4/3 px each), else its size on the page.
  function naturalSize(el) {
    if (el instanceof HTMLImageElement && el.naturalWidth) {
      return { w: el.naturalWidth, h: el.naturalHeight };
    }
    const px = name => {
      const m = /^([\d.]+)\s*(pt|px)?$/.exec(el.getAttribute(name) || "");
      return m ? parseFloat(m[1]) * (m[2] === "pt" ? 4 / 3 : 1) : null;
    };
    const r = el.getBoundingClientRect();
    return { w: px("width") || r.width || 1, h: px("height") || r.height || 1 };
  }

  function open(picture) {
    const size = naturalSize(picture);
    const copy = picture.cloneNode(true);
    copy.removeAttribute("tabindex");
    copy.removeAttribute("role");
    copy.removeAttribute("id");
    copy.classList.remove("zoomable");
    copy.removeAttribute("style");
    // The page's colours for it: the dark palette inverts plots and notebook graphs.
    copy.style.filter = getComputedStyle(picture).filter;
    if (copy instanceof HTMLImageElement) copy.alt = picture.alt;
    else copy.setAttribute("preserveAspectRatio", "xMidYMid meet");

    const overlay = document.createElement("div");
    overlay.className = "picture-zoom";
    overlay.setAttribute("role", "dialog");
    overlay.setAttribute("aria-modal", "true");
    overlay.setAttribute("aria-label", picture.getAttribute("alt") || "Picture at full size");
    const bar = document.createElement("div");
    bar.className = "picture-zoom__bar";
    const button = (label, title, action) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = label;
      b.title = title;
      b.addEventListener("click", action);
      bar.append(b);
      return b;
    };
    const view = document.createElement("div");
    view.className = "picture-zoom__view";
    view.tabIndex = 0;
    view.append(copy);

    let zoom = 1;
    const shown = document.createElement("output");
    const apply = (next, cx, cy) => {
      // Zoom about a point of the view (its centre unless given), which stays in place.
      next = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, next));
      const rect = view.getBoundingClientRect();
      const px = cx ?? rect.width / 2, py = cy ?? rect.height / 2;
      const fx = (view.scrollLeft + px) / Math.max(1, view.scrollWidth);
      const fy = (view.scrollTop + py) / Math.max(1, view.scrollHeight);
      zoom = next;
      copy.style.width = `${size.w * zoom}px`;
      copy.style.height = `${size.h * zoom}px`;
      shown.textContent = `${Math.round(zoom * 100)}%`;
      view.scrollLeft = fx * view.scrollWidth - px;
      view.scrollTop = fy * view.scrollHeight - py;
    };
    const fit = () => {
      const rect = view.getBoundingClientRect();
      apply(Math.min((rect.width - 32) / size.w, (rect.height - 32) / size.h));
    };
    button("−", "Zoom out (-)", () => apply(zoom / STEP));
    bar.append(shown);
    button("+", "Zoom in (+)", () => apply(zoom * STEP));
    button("100%", "Natural size (0)", () => apply(1));
    button("Fit", "The whole picture in view (f)", fit);
    const close = button("Close", "Close (Esc)", () => done());
    close.classList.add("picture-zoom__close");
    overlay.append(bar, view);

    const scrolling = document.documentElement.style.overflow;
    document.documentElement.style.overflow = "hidden";
    document.body.append(overlay);
    apply(1);
    view.focus();

    const keys = event => {
      if (event.key === "Escape") done();
      else if (event.key === "+" || event.key === "=") apply(zoom * STEP);
      else if (event.key === "-" || event.key === "_") apply(zoom / STEP);
      else if (event.key === "0") apply(1);
      else if (event.key === "f") fit();
      else if (event.key === "Tab") {
        // The focus stays in the overlay, going round its buttons and the view.
        const stops = [...bar.querySelectorAll("button"), view];
        const at = stops.indexOf(document.activeElement);
        const next = (at + (event.shiftKey ? -1 : 1) + stops.length) % stops.length;
        stops[next].focus();
      } else return;
      event.preventDefault();
      event.stopPropagation();
    };
    document.addEventListener("keydown", keys, true);

    view.addEventListener("wheel", event => {
      if (!event.ctrlKey) return; // the wheel alone scrolls
      event.preventDefault();
      const rect = view.getBoundingClientRect();
      apply(zoom * (event.deltaY < 0 ? STEP : 1 / STEP), event.clientX - rect.left, event.clientY - rect.top);
    }, { passive: false });

    // A drag pans; a click beside the picture (not a drag) closes.
    let press = null;
    view.addEventListener("pointerdown", event => {
      if (event.button !== 0 || event.pointerType !== "mouse") return;
      // A press on a scroll bar is the scroll bar's.
      if (event.target === view && (event.offsetX >= view.clientWidth || event.offsetY >= view.clientHeight)) return;
      press = { x: event.clientX, y: event.clientY, left: view.scrollLeft, top: view.scrollTop, moved: false };
    });
    view.addEventListener("pointermove", event => {
      if (!press) return;
      const dx = event.clientX - press.x, dy = event.clientY - press.y;
      if (!press.moved && Math.hypot(dx, dy) < DRAG) return;
      if (!press.moved) { press.moved = true; view.setPointerCapture(event.pointerId); view.classList.add("dragging"); }
      view.scrollLeft = press.left - dx;
      view.scrollTop = press.top - dy;
    });
    const release = event => {
      if (press && !press.moved && event.type === "pointerup" && !copy.contains(event.target)) done();
      press = null;
      view.classList.remove("dragging");
    };
    view.addEventListener("dragstart", event => event.preventDefault()); // not the image's drag
    view.addEventListener("pointerup", release);
    view.addEventListener("pointercancel", release);

    function done() {
      document.removeEventListener("keydown", keys, true);
      overlay.remove();
      document.documentElement.style.overflow = scrolling;
      picture.focus({ preventScroll: true });
    }
  }

  document.addEventListener("click", event => {
    const picture = event.target instanceof Element && event.target.closest(".zoomable");
    if (!picture || !zoomable(picture)) return;
    event.preventDefault();
    open(picture);
  });
  document.addEventListener("keydown", event => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const picture = document.activeElement;
    if (!(picture instanceof Element) || !picture.classList.contains("zoomable")) return;
    event.preventDefault();
    open(picture);
  });

  mark(document);
  // Under Material's instant navigation (not on now), each new page's content too.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(() => mark(document));
  }
})();
