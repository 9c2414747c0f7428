// The part of @rails/actioncable the decoder tests use (the package ships no types).
declare module '@rails/actioncable' {
  interface SubscriptionCallbacks {
    connected?(): void;
    rejected?(): void;
    received?(data: unknown): void;
    disconnected?(): void;
  }
  interface Subscription {
    perform(action: string, data?: object): boolean;
    unsubscribe(): void;
  }
  interface Consumer {
    subscriptions: { create(channel: string | object, callbacks?: SubscriptionCallbacks): Subscription };
    disconnect(): void;
  }
  export const adapters: { WebSocket: unknown; logger: unknown };
  export function createConsumer(url: string): Consumer;
}
