// The sandbox processor's "Stripe.js": sends card or bank details to the sandbox's own
// tokenising endpoint and gives the page a token. Checkout never receives the details:
// the inputs it reads have no name, so the form never posts them.
window.paylinksSandbox = (tokensUrl) => {
  const post = async (body) => {
    const response = await fetch(tokensUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok || data.error) return { error: data.error || {} };
    return { token: data.id };
  };
  const value = (selector) => (document.querySelector(selector) || {}).value || "";
  return {
    mount() {},
    card: () => post({
      type: "card",
      number: value("[data-card=number]"),
      exp: value("[data-card=exp]"),
      cvc: value("[data-card=cvc]"),
    }),
    bank: () => post({
      type: "bank_account",
      institution: value("[data-bank=institution]"),
      transit: value("[data-bank=transit]"),
      account: value("[data-bank=account]"),
    }),
  };
};
