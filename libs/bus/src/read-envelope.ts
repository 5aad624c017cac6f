import { PermanentError, type IncomingMessage } from './bus.port';
import { EnvelopeSchema } from '@tessera/contracts';

/**
 * A message's event envelope: its type, and the parsed JSON to read the typed event from. A message
 * that is not JSON or no envelope can never be handled: PermanentError (dead-lettered at once).
 */
export function readEnvelope(message: IncomingMessage): { readonly type: string; readonly raw: unknown } {
  let raw: unknown;
  try {
    raw = JSON.parse(message.value.toString('utf8'));
  } catch {
    throw new PermanentError('the message is not JSON');
  }
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) throw new PermanentError(`the message is not an event envelope: ${envelope.error.message}`);
  return { type: envelope.data.type, raw };
}
