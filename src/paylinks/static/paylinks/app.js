// paylinks: progressive enhancement only; every page works without it.
document.addEventListener("DOMContentLoaded", () => {
  // Copy buttons: <button data-copy="#input-id" data-copied="Copied">
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const input = document.querySelector(button.dataset.copy);
      if (!input) return;
      input.select();
      try { await navigator.clipboard.writeText(input.value); } catch (e) { document.execCommand("copy"); }
      const label = button.textContent;
      button.textContent = button.dataset.copied || label;
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  });
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  // Hosted page: show the fields of the chosen payment method only.
  const radios = document.querySelectorAll('input[name="method"]');
  const sets = document.querySelectorAll("fieldset[data-method]");
  const sync = () => {
    const chosen = document.querySelector('input[name="method"]:checked');
    sets.forEach((set) => { set.hidden = chosen && set.dataset.method !== chosen.value; });
  };
  radios.forEach((r) => r.addEventListener("change", sync));
  if (radios.length) sync();
  // A payment being processed: ask again in the background, and show the page only once
  // its answer changed (no timed reload of the whole page under the reader's feet).
  const poll = document.querySelector("[data-poll]");
  if (poll) {
    const every = Number(poll.dataset.poll) || 2000;
    const check = async () => {
      try {
        const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
        const html = await response.text();
        if (response.redirected || !html.includes("data-poll=")) {
          window.location.assign(response.url);
          return;
        }
      } catch (e) { /* offline for a moment: ask again */ }
      setTimeout(check, every);
    };
    setTimeout(check, every);
  }
});
