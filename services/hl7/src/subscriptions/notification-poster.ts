/** POSTs a notification to a subscriber's endpoint; resolves with the HTTP status, rejects when there was no answer. */
export interface NotificationPoster {
  post(endpoint: string, headers: Readonly<Record<string, string>>, body: string | undefined): Promise<number>;
}

/** The real poster: Node's fetch, with a time limit per attempt. */
export class FetchNotificationPoster implements NotificationPoster {
  constructor(private readonly timeoutMs: number) {}

  async post(endpoint: string, headers: Readonly<Record<string, string>>, body: string | undefined): Promise<number> {
    const response = await fetch(endpoint, { method: 'POST', headers, ...(body !== undefined ? { body } : {}), redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
    // The subscriber's answer says nothing Tessera needs; reading it frees the connection.
    await response.arrayBuffer();
    return response.status;
  }
}
