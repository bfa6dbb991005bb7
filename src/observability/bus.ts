// One small publish/subscribe channel per event kind, in the style of node:diagnostics_channel (as
// undici uses it): publishers check `hasSubscribers` before building an event, so telemetry that
// nobody listens to costs one property read.

export type Subscriber<T> = (event: T) => void;

export class Channel<T> {
  private subscribers: readonly Subscriber<T>[] = [];

  constructor(readonly name: string) {}

  get hasSubscribers(): boolean {
    return this.subscribers.length !== 0;
  }

  subscribe(fn: Subscriber<T>): () => void {
    this.subscribers = [...this.subscribers, fn];
    return () => {
      this.subscribers = this.subscribers.filter((s) => s !== fn);
    };
  }

  /**
   * Calls every subscriber in subscription order. A subscriber that throws is reported through
   * `onError` and does not stop the others: telemetry must never break a request.
   */
  publish(event: T): void {
    const subs = this.subscribers;
    for (let i = 0; i < subs.length; i++) {
      try {
        subs[i]!(event);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  onError: (err: unknown) => void = () => {};
}
