/** Exactly three upper-case ASCII letters: the only spelling of an ISO 4217 code we accept. */
const CODE = /^[A-Z]{3}$/;

/** Built on first use: the runtime's ICU list does not change while the process lives. */
let known: ReadonlySet<string> | undefined;

/**
 * Whether `code` is an ISO 4217 currency code this runtime knows (`Intl.supportedValuesOf`).
 * Lower-case or padded spellings are not known codes: callers must not rely on normalisation.
 */
export function isKnownCurrency(code: string): boolean {
  if (typeof code !== 'string' || !CODE.test(code)) return false;
  known ??= new Set(Intl.supportedValuesOf('currency'));
  return known.has(code);
}
