// The hosted page: card and bank details go to the processor (Stripe.js, or the sandbox's
// tokenising endpoint), and only the token they give back is posted to paylinks.
// Errors: one summary at the top (the page's one live region), focused, each entry a link
// to its field; each field marked (aria-invalid) and described by its own message.
(() => {
  // Kept in this tab only, never sent to paylinks: what the customer typed that is not a
  // secret (expiry, institution, transit), restored if the server shows the form again.
  const KEPT = ["#card-exp", "#bank-institution", "#bank-transit"];
  const keptKey = () => `paylinks-pay:${window.location.pathname}`;

  const stripeAdapter = (form) => {
    const stripe = window.Stripe(form.dataset.publishableKey);
    const card = stripe.elements().create("card");
    card.mount("#card-element");
    return {
      card: async () => {
        const result = await stripe.createToken(card);
        if (result.error) return { error: { param: "card", message: result.error.message } };
        return { token: result.token.id };
      },
    };
  };

  // The processor's parameter -> the input it is about.
  const INPUTS = {
    number: "card-number", exp: "card-exp", cvc: "card-cvc", card: "card-element",
    institution: "bank-institution", transit: "bank-transit", account: "bank-account",
  };

  const labelOf = (input) => {
    const label = document.querySelector(`label[for="${input.id}"]`)
      || document.getElementById(input.getAttribute("aria-labelledby") || "");
    return label ? label.textContent.trim() : "";
  };

  // The slot a field's message goes in: the processor fields' <p id="…-error">, or the one
  // Django's aria-describedby names (id_<name>_error), made when missing.
  const slotFor = (input) => {
    let slot = document.getElementById(`${input.id}-error`) || document.getElementById(`${input.id}_error`);
    if (!slot) {
      slot = document.createElement("div");
      slot.className = "error";
      slot.id = `${input.id}_error`;
      (input.closest(".field") || input.parentElement).appendChild(slot);
      const ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (!ids.includes(slot.id)) input.setAttribute("aria-describedby", [...ids, slot.id].join(" "));
    }
    return slot;
  };

  const clearErrors = (form) => {
    form.querySelectorAll("[aria-invalid]").forEach((input) => {
      input.removeAttribute("aria-invalid");
      const field = input.closest(".field");
      if (field) field.classList.remove("has-error");
    });
    form.querySelectorAll(".error").forEach((slot) => { slot.textContent = ""; });
  };

  // errors: [[input element or null, message]]
  const showErrors = (form, errors) => {
    clearErrors(form);
    const summary = document.getElementById("pay-errors");
    const list = summary.querySelector("ul");
    list.textContent = "";
    errors.forEach(([input, message]) => {
      const item = document.createElement("li");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        const field = input.closest(".field");
        if (field) field.classList.add("has-error");
        slotFor(input).textContent = message;
        const link = document.createElement("a");
        link.href = `#${input.id}`;
        const label = labelOf(input);
        link.textContent = label ? `${label}${form.dataset.msgColon} ${message}` : message;
        item.appendChild(link);
      } else {
        item.textContent = message;
      }
      list.appendChild(item);
    });
    summary.hidden = false;
    summary.scrollIntoView({ block: "start" });
    summary.focus();
  };

  const digits = (value) => value.replace(/[\s-]/g, "");

  // The browser's checks, before anything leaves the page (the server and the processor
  // check again: they are the authority).
  const check = (form, method) => {
    const d = form.dataset;
    const errors = [];
    const need = (selector, test, message) => {
      const input = form.querySelector(selector);
      if (input && !input.closest("[hidden]") && !test(input.value.trim())) errors.push([input, message]);
    };
    need("#id_name", (v) => v.length > 0, d.msgName);
    need("#id_email", (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v), d.msgEmail);
    ["#id_delivery_line1", "#id_delivery_city", "#id_delivery_postal_code"].forEach((s) => {
      need(s, (v) => v.length > 0, d.msgRequired);
    });
    if (method === "card" && form.querySelector("#card-number")) {
      need("#card-number", (v) => /^\d{12,19}$/.test(digits(v)), d.msgNumber);
      const exp = form.querySelector("#card-exp");
      const match = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(exp.value.trim());
      const month = match ? Number(match[1]) : 0;
      let year = match ? Number(match[2]) : 0;
      if (year && year < 100) year += 2000;
      const now = new Date();
      if (!match || month < 1 || month > 12) errors.push([exp, d.msgExp]);
      else if (year * 12 + month < now.getFullYear() * 12 + now.getMonth() + 1) errors.push([exp, d.msgExpired]);
      else exp.value = `${String(month).padStart(2, "0")}/${String(year % 100).padStart(2, "0")}`;
      need("#card-cvc", (v) => /^\d{3,4}$/.test(v), d.msgCvc);
    }
    if (method === "bank_transfer") {
      need("#bank-institution", (v) => /^\d{3}$/.test(v), d.msgInstitution);
      need("#bank-transit", (v) => /^\d{5}$/.test(v), d.msgTransit);
      need("#bank-account", (v) => /^\d{7,12}$/.test(v), d.msgAccount);
    }
    return errors;
  };

  // Summary links move the focus to their field (not only the scroll position).
  const linkSummary = () => {
    const summary = document.getElementById("pay-errors");
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("a[href^='#']");
      if (!link) return;
      const target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) return;
      event.preventDefault();
      const input = target.matches("input, select, textarea") ? target
        : target.querySelector("input, select, textarea") || target;
      const label = input.id && document.querySelector(`label[for="${input.id}"]`);
      (label || input).scrollIntoView({ block: "center" });
      input.focus({ preventScroll: true });
    });
    return summary;
  };

  const payForm = (form) => {
    const adapter = form.dataset.processor === "stripe" && document.getElementById("card-element")
      ? stripeAdapter(form) : window.paylinksSandbox(form.dataset.tokensUrl);
    const button = form.querySelector("button[type=submit]");
    const label = button.textContent;
    const summary = linkSummary();
    if (!summary.hidden) {
      // The server showed the form again: put back what this tab kept, then the summary.
      try {
        const kept = JSON.parse(window.sessionStorage.getItem(keptKey()) || "{}");
        KEPT.forEach((s) => {
          const input = form.querySelector(s);
          if (input && !input.value && kept[s]) input.value = kept[s];
        });
      } catch (e) { /* storage unavailable: nothing kept */ }
      summary.focus();
    }
    try { window.sessionStorage.removeItem(keptKey()); } catch (e) { /* ignore */ }
    let busy = false;
    form.addEventListener("submit", async (event) => {
      const token = form.querySelector("input[name=payment_token]");
      if (token.value) return; // tokenised: let the form go
      event.preventDefault();
      if (busy) return; // one press of Pay, one submission
      const chosen = form.querySelector("input[name=method]:checked");
      const method = chosen ? chosen.value : "card";
      const problems = check(form, method);
      if (problems.length) {
        showErrors(form, problems);
        return;
      }
      busy = true;
      button.disabled = true;
      button.textContent = form.dataset.msgWorking;
      let result;
      try {
        result = method === "bank_transfer" ? await adapter.bank() : await adapter.card();
      } catch (e) {
        result = { error: { message: form.dataset.msgFailed } };
      }
      if (result.error) {
        const found = result.error.errors
          || { [result.error.param || ""]: result.error.message || form.dataset.msgFailed };
        showErrors(form, Object.entries(found).map(([param, message]) => [
          document.getElementById(INPUTS[param] || "") || null, message,
        ]));
        busy = false;
        button.disabled = false;
        button.textContent = label;
        return;
      }
      try {
        const kept = {};
        KEPT.forEach((s) => { const input = form.querySelector(s); if (input) kept[s] = input.value; });
        window.sessionStorage.setItem(keptKey(), JSON.stringify(kept));
      } catch (e) { /* storage unavailable: nothing kept */ }
      token.value = result.token;
      form.submit();
    });
  };

  const actionForm = (form) => {
    // 3-D Secure: Stripe.js runs the bank's step; the server then asks Stripe the outcome.
    const stripe = window.Stripe(form.dataset.publishableKey);
    const run = async () => {
      await stripe.confirmCardPayment(form.dataset.clientSecret);
      form.submit();
    };
    form.addEventListener("submit", (event) => { event.preventDefault(); run(); });
    run();
  };

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("pay-form");
    if (form) payForm(form);
    const action = document.getElementById("action-form");
    if (action) actionForm(action);
  });
})();
