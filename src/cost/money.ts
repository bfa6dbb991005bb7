// Money as integers: costs in picodollars (1e-12 USD) held in bigint, prices as picodollars per
// token (= microdollars per 1M tokens). A price with at most six decimals per 1M tokens times a
// whole number of tokens is then an exact integer, and sums over millions of requests never drift.

/** USD per 1M tokens (a YAML number, a table's number or a decimal string) → picodollars per token, exactly. */
export function picoPerToken(usdPerMillion: number | string): bigint {
  return decimalToScaled(typeof usdPerMillion === "number" ? numberText(usdPerMillion) : usdPerMillion, 6);
}

/** A USD amount (a provider's reported cost) → picodollars. */
export function usdToPico(usd: number | string): bigint {
  return decimalToScaled(typeof usd === "number" ? numberText(usd) : usd, 12);
}

const PICO_PER_USD = 1_000_000_000_000;

/** Picodollars → the exact decimal USD text, no trailing zeros ("0.000195", "0"). */
export function formatUsd(pico: bigint): string {
  // Up to 2^53 picodollars (9,007 USD: any one answer's cost) the digits come from exact integer
  // doubles: half the time of bigint division, paid on every answer's x-butter-cost-usd header.
  if (pico >= 0n && pico <= 9007199254740991n) {
    const n = Number(pico);
    const whole = Math.floor(n / PICO_PER_USD);
    let frac = n - whole * PICO_PER_USD;
    if (frac === 0) return String(whole);
    let digits = 12;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    const f = String(frac);
    return whole + "." + (f.length < digits ? "0".repeat(digits - f.length) + f : f);
  }
  const negative = pico < 0n;
  const abs = negative ? -pico : pico;
  const whole = abs / 1_000_000_000_000n;
  const frac = (abs % 1_000_000_000_000n).toString().padStart(12, "0").replace(/0+$/, "");
  return (negative ? "-" : "") + whole.toString() + (frac === "" ? "" : "." + frac);
}

// The shortest text that reads back as the number (what the YAML or JSON said), never exponent form.
function numberText(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not a price: ${n}`);
  const text = String(n);
  return text.includes("e") ? n.toFixed(20) : text;
}

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/** "1.25" at scale 6 → 1250000n; digits beyond the scale are rounded half up. */
function decimalToScaled(text: string, scale: number): bigint {
  const m = DECIMAL.exec(text.trim());
  if (m === null) throw new RangeError(`not a decimal amount: ${text}`);
  const frac = m[2] ?? "";
  let scaled = BigInt(m[1]! + frac.slice(0, scale).padEnd(scale, "0"));
  if (frac.length > scale && frac.charCodeAt(scale) >= 53 /* '5' */) scaled += 1n;
  return scaled;
}
