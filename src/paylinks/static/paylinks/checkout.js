// The hosted page: card and bank details go to the processor (Stripe.js, or the sandbox's
// tokenising endpoint), and only the token they give back is posted to paylinks.
(() => {
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

  const showErrors = (form, errors) => {
    const summary = document.getElementById("pay-errors");
    summary.textContent = "";
    Object.entries(errors).forEach(([param, message]) => {
      const p = document.createElement("p");
      p.textContent = message;
      summary.appendChild(p);
      const slot = document.getElementById(param === "card" || ["number", "exp", "cvc"].includes(param)
        ? "card-error" : `bank-${param}-error`);
      if (slot) slot.textContent = message;
    });
    summary.hidden = false;
    summary.focus();
  };

  const payForm = (form) => {
    const adapter = form.dataset.processor === "stripe" && document.getElementById("card-element")
      ? stripeAdapter(form) : window.paylinksSandbox(form.dataset.tokensUrl);
    const button = form.querySelector("button[type=submit]");
    const label = button.textContent;
    let busy = false;
    form.addEventListener("submit", async (event) => {
      const token = form.querySelector("input[name=payment_token]");
      if (token.value) return; // tokenised: let the form go
      event.preventDefault();
      if (busy) return; // one press of Pay, one submission
      busy = true;
      button.disabled = true;
      button.textContent = form.dataset.msgWorking;
      document.querySelectorAll("#card-error, [id^=bank-][id$=-error]").forEach((e) => { e.textContent = ""; });
      const chosen = form.querySelector("input[name=method]:checked");
      const method = chosen ? chosen.value : "card";
      let result;
      try {
        result = method === "bank_transfer" ? await adapter.bank() : await adapter.card();
      } catch (e) {
        result = { error: { message: form.dataset.msgFailed } };
      }
      if (result.error) {
        const errors = result.error.errors || { [result.error.param || "card"]: result.error.message || form.dataset.msgFailed };
        showErrors(form, errors);
        busy = false;
        button.disabled = false;
        button.textContent = label;
        return;
      }
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
