// Claim Desk review UI: keyboard shortcuts and page swaps without a full reload.
// Everything here is an enhancement: every link and form works as plain HTML without it.
(() => {
  "use strict";

  const app = () => document.getElementById("app");
  const page = () => app()?.dataset.page || "";
  const typing = (el) =>
    el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  // ---- Swapping pages -------------------------------------------------------------------
  // Fetch the next page as HTML, put its #app in place of ours. The server renders the same
  // HTML either way (redirect after a decision, 409 page on a conflict, 400 with errors), so
  // there is one code path and no JSON API to keep in step with the templates.
  let busy = false;

  async function swap(url, init = {}, push = true) {
    if (busy) return;
    busy = true;
    app().setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        ...init,
      });
      const type = response.headers.get("Content-Type") || "";
      if (!type.includes("text/html")) throw new Error(`unexpected ${type}`);
      const html = await response.text();
      const doc = new DOMParser().parseFromString(html, "text/html");
      const fresh = doc.getElementById("app");
      if (!fresh) throw new Error("no #app in response");
      app().replaceWith(document.adoptNode(fresh));
      document.title = doc.title;
      // A form re-rendered with errors or a conflict (a POST answered without a redirect) keeps
      // the page's own address, so reloading it never re-posts or lands on a POST-only URL.
      const rerendered = init.method === "POST" && !response.redirected;
      const target = new URL(response.url);
      if (push && !rerendered) history.pushState({}, "", target.pathname + target.search);
      afterRender();
    } catch (error) {
      // Anything unexpected: fall back to a normal page load, which always works.
      console.warn("Claim Desk: falling back to a full page load", error);
      busy = false;
      if (init.method === "POST" && init.form) submitPlainly(init.form, init.submitter);
      else window.location.assign(url);
      return;
    }
    busy = false;
  }

  function sameOriginReviewUrl(href) {
    const url = new URL(href, window.location.href);
    return url.origin === window.location.origin && url.pathname.startsWith("/review/") ? url : null;
  }

  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target.closest("a[href]");
    if (link) {
      if (link.target || link.hasAttribute("download")) return;
      const url = sameOriginReviewUrl(link.href);
      if (!url) return;
      event.preventDefault();
      swap(url.href);
      return;
    }
    // Queue rows open their claim when clicked anywhere.
    const row = event.target.closest("tr[data-href]");
    if (row && !typing(event.target)) {
      event.preventDefault();
      swap(row.dataset.href);
    }
  });

  // form.submit() sends no submitter: the clicked button's name and value (the sign-off form's
  // action=confirm or return) go along as a hidden field, as a click would send them.
  function submitPlainly(form, submitter) {
    if (submitter?.name) {
      const field = document.createElement("input");
      field.type = "hidden";
      field.name = submitter.name;
      field.value = submitter.value;
      form.appendChild(field);
    }
    form.submit();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!form.closest("#app")) return;
    // The attribute, not form.action: a form with buttons named "action" (sign-off, Take it)
    // shadows the property with those buttons.
    const url = sameOriginReviewUrl(form.getAttribute("action") || window.location.href);
    if (!url) return;
    event.preventDefault();
    const data = new FormData(form, event.submitter);
    if (form.method.toLowerCase() === "post") {
      swap(url.href, { method: "POST", body: data, form, submitter: event.submitter });
    } else {
      url.search = new URLSearchParams(data).toString();
      swap(url.href);
    }
  });

  window.addEventListener("popstate", () => swap(window.location.href, {}, false));

  // ---- After each render -------------------------------------------------------------------
  function afterRender() {
    revealSentence();
    const conflict = document.getElementById("conflict");
    if (conflict) conflict.scrollIntoView({ block: "nearest" });
    const list = document.querySelector("[data-claim-list] tbody");
    if (list && !list.querySelector("tr.selected") && list.rows.length) select(list.rows[0]);
    // Selects in the queue's filter bar apply as soon as they change.
    document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
      select.addEventListener("change", () => {
        const form = select.form;
        const url = new URL(form.action, window.location.href);
        url.search = new URLSearchParams(new FormData(form)).toString();
        swap(url.href);
      });
    });
    const errorField = document.querySelector("#decision-form .errors, #evidence-form .errors");
    if (errorField) errorField.closest("form").querySelector("textarea, input[type=url]")?.focus();
  }

  // Bring the claim's sentence into view. On wide screens the article is its own scrolling
  // pane: scroll only the pane, keeping the toolbar and decision form where they are.
  function revealSentence() {
    const mark = document.getElementById("claim-sentence");
    if (!mark) return;
    const pane = mark.closest(".article-pane");
    if (pane && pane.scrollHeight > pane.clientHeight + 1) {
      const offset = mark.getBoundingClientRect().top - pane.getBoundingClientRect().top;
      pane.scrollTop += offset - pane.clientHeight / 3;
      window.scrollTo(0, 0);
    } else {
      mark.scrollIntoView({ block: "center" });
    }
  }

  // ---- Keyboard ------------------------------------------------------------------------------
  function select(row) {
    document.querySelectorAll("[data-claim-list] tr.selected").forEach((r) => r.classList.remove("selected"));
    row.classList.add("selected");
    row.scrollIntoView({ block: "nearest" });
  }

  function moveSelection(step) {
    const rows = [...document.querySelectorAll("[data-claim-list] tbody tr")];
    if (!rows.length) return;
    const current = rows.findIndex((r) => r.classList.contains("selected"));
    select(rows[Math.max(0, Math.min(rows.length - 1, current + step))]);
  }

  function help() {
    const dialog = document.getElementById("help");
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  function chooseStatus(letter) {
    const choice = document.querySelector(`[data-status-key="${letter}"] input`);
    if (!choice) return false;
    choice.checked = true;
    document.querySelector("#decision-form textarea")?.focus();
    return true;
  }

  // A verdict reused from another claim is applied by Enter on its focused button, never by one
  // key: a stray keystroke must not review a claim.
  function focusButton(selector) {
    const button = document.querySelector(selector);
    if (!button) return false;
    button.scrollIntoView({ block: "center" });
    button.focus();
    return true;
  }

  function openEvidence() {
    const details = document.querySelector(".evidence-add");
    if (!details) return false;
    details.open = true;
    details.querySelector("input[type=url]")?.focus();
    return true;
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-help-open]")) help();
  });

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    // Ctrl/Cmd+Enter in a form field submits that form (the decision, or evidence).
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && target.form) {
      event.preventDefault();
      target.form.requestSubmit();
      return;
    }
    if (event.key === "Escape" && typing(target)) {
      target.blur();
      return;
    }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    // Enter on a focused link or button does what that element does.
    if (event.key === "Enter" && target.closest && target.closest("a, button, summary")) return;
    if (document.getElementById("help")?.open && event.key !== "?") return;

    const key = event.key;
    let handled = true;
    if (key === "?") help();
    else if (page() === "queue") {
      if (key === "j") moveSelection(1);
      else if (key === "k") moveSelection(-1);
      else if (key === "Enter" || key === "o") {
        const row = document.querySelector("[data-claim-list] tr.selected");
        if (row) swap(row.dataset.href);
        else handled = false;
      } else handled = false;
    } else if (page() === "claim") {
      const link = document.querySelector(`a[data-key="${key}"]`);
      if (link) swap(link.href);
      else if ("vudf".includes(key) && key.length === 1) handled = chooseStatus(key);
      else if (key === "e") handled = openEvidence();
      else if (key === "a") handled = focusButton("#seen-before .apply-verdict button");
      else if (key === "m") handled = focusButton("#apply-offer button");
      else handled = false;
    } else handled = false;
    if (handled) event.preventDefault();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", afterRender);
  else afterRender();
})();

// ---- Imports: reload while jobs of the page are still running -------------------------------
(() => {
  "use strict";
  const running = document.querySelector("[data-refresh-while-running]");
  if (running) {
    const every = Number(running.dataset.refreshWhileRunning) || 2000;
    setTimeout(() => window.location.reload(), every);
  }
})();
