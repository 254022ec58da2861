/**
 * What the portal asks of a payment provider (issue 15). A town picks one in its billing
 * settings (`billing_settings.payment_provider`): the built-in bank outside production,
 * PayFiP for towns. The payments service is the only caller; a provider never touches the
 * portal's payments or invoices (the built-in bank writes only its own books,
 * builtin_bank_operations), so that every change of a payment or an invoice happens in the
 * service's transactions, after the provider's answer was checked.
 */

/** What a provider says of a payment. `waiting`: no result yet (the family is still at the bank). */
export type ProviderStatus = 'paid' | 'refused' | 'abandoned' | 'waiting';

/** The payment as the service created it, before the provider is called. */
export interface PaymentToStart {
  paymentId: string;
  townSlug: string;
  /** Our reference (`payments.reference`, 1–30 letters and digits). */
  reference: string;
  amountCents: number;
  /** What the bank page shows, e.g. "Factures ENF-2026-000012, ENF-2026-000013". */
  label: string;
  /** The paying parent's address (PayFiP requires one). */
  email: string;
  /** The régie's PayFiP client number, when it has one. */
  payfipNumcli: string | null;
  /** Absolute URLs the provider sends the browser back to, and notifies. */
  returnUrl: string;
  notifyUrl: string;
  /** The year the invoices are of (PayFiP's `exer`). */
  year: number;
}

export type StartResult =
  /** The provider took it: send the browser to `redirectUrl` (303). */
  | { ok: true; providerPaymentId: string; redirectUrl: string }
  /** The provider refused or could not be reached: nothing was taken. French, for the parent. */
  | { ok: false; failure: string; detail: string };

/** What a provider answered about one payment, once verified. */
export interface ProviderResult {
  status: ProviderStatus;
  providerPaymentId: string;
  /** As the provider reports them: checked against the payment before anything changes. */
  reference: string | null;
  amountCents: number | null;
  /** The provider's account of the payment (numauto, date and hour…), kept for the régisseur. */
  details: Record<string, string>;
}

/** A notification or browser return, as received: the provider reads what it needs. */
export interface IncomingCall {
  query: Record<string, unknown>;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

export type Identified =
  /** The call names this operation; its content is not trusted until `fetchStatus` or a verified signature. */
  | { ok: true; providerPaymentId: string; result: ProviderResult | null }
  /** A signature that does not verify, or a call that names no operation: logged, nothing changes. */
  | { ok: false; reason: 'forged' | 'malformed'; detail: string };

export interface PaymentProvider {
  readonly name: 'builtin' | 'payfip';
  /** Creates the operation at the provider. */
  start(payment: PaymentToStart): Promise<StartResult>;
  /**
   * Reads a notification or a return. A provider whose notifications are signed (the built-in
   * bank) verifies the signature and returns the result it carries; PayFiP's carry only the
   * idOp, so `result` is null and the service asks `fetchStatus`.
   */
  identify(call: IncomingCall): Identified;
  /** Asks the provider for the payment's status (the scheduled check, and PayFiP's notification). */
  fetchStatus(payment: { providerPaymentId: string; payfipNumcli: string | null; createdAt: Date }): Promise<ProviderResult>;
}
