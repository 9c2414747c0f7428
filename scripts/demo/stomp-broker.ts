// A minimal STOMP 1.2 broker for real @stomp/stompjs clients on loopback (the
// demo, the end-to-end and unit tests). Its frames are hand-built here (there
// is no STOMP broker on npm that runs in a test); the client side is the real
// library. Subscriptions, MESSAGE delivery, RECEIPTs, an ERROR for one destination.

/** Sends one STOMP frame (text) to the client. */
export type SendFrame = (frame: string) => void;

interface ParsedClientFrame {
  command: string;
  headers: Map<string, string>;
  body: string;
}

function escapeHeader(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/:/g, '\\c').replace(/\r/g, '\\r');
}

function frame(command: string, headers: Record<string, string>, body = ''): string {
  const lines = Object.entries(headers).map(
    ([k, v]) => `${k}:${command === 'CONNECTED' ? v : escapeHeader(v)}`,
  );
  return `${command}\n${lines.join('\n')}${lines.length ? '\n' : ''}\n${body}\0`;
}

function parse(text: string): ParsedClientFrame[] {
  const out: ParsedClientFrame[] = [];
  for (const chunk of text.split('\0')) {
    const trimmed = chunk.replace(/^[\r\n]+/, '');
    if (!trimmed) continue;
    const split = trimmed.indexOf('\n\n');
    const head = split === -1 ? trimmed : trimmed.slice(0, split);
    const [command = '', ...lines] = head.split('\n');
    const headers = new Map<string, string>();
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0 && !headers.has(line.slice(0, colon)))
        headers.set(line.slice(0, colon), line.slice(colon + 1));
    }
    out.push({ command, headers, body: split === -1 ? '' : trimmed.slice(split + 2) });
  }
  return out;
}

export interface StompBrokerConnection {
  /** Takes what the client sent. */
  receive(text: string): void;
  /** Delivers a MESSAGE to this client's subscriptions to `destination` (what another sender published). */
  deliver(destination: string, body: string, contentType?: string): void;
}

/** One client connection's broker side. */
export function stompBrokerConnection(send: SendFrame, heartBeatMs = 0): StompBrokerConnection {
  const subscriptions = new Map<string, string>();
  let messageId = 0;
  const deliver = (destination: string, body: string, contentType = 'text/plain') => {
    for (const [id, subscribed] of subscriptions) {
      if (subscribed !== destination) continue;
      send(
        frame(
          'MESSAGE',
          {
            subscription: id,
            'message-id': `m-${++messageId}`,
            destination,
            'content-type': contentType,
            note: 'a:b',
          },
          body,
        ),
      );
    }
  };
  return {
    deliver,
    receive(text) {
      for (const f of parse(text)) {
        const receipt = f.headers.get('receipt');
        switch (f.command) {
          case 'CONNECT':
          case 'STOMP':
            send(
              frame('CONNECTED', {
                version: '1.2',
                'heart-beat': `0,${heartBeatMs}`,
                server: 'loopback/1.0',
              }),
            );
            break;
          case 'SUBSCRIBE':
            subscriptions.set(f.headers.get('id') ?? '', f.headers.get('destination') ?? '');
            break;
          case 'UNSUBSCRIBE':
            subscriptions.delete(f.headers.get('id') ?? '');
            break;
          case 'SEND': {
            const destination = f.headers.get('destination') ?? '';
            if (destination === '/queue/forbidden') {
              const headers: Record<string, string> = { message: 'not allowed: /queue/forbidden' };
              if (receipt) headers['receipt-id'] = receipt;
              send(frame('ERROR', headers, 'The destination is closed'));
              return;
            }
            deliver(destination, f.body, f.headers.get('content-type') ?? 'text/plain');
            break;
          }
        }
        if (receipt) send(frame('RECEIPT', { 'receipt-id': receipt }));
      }
    },
  };
}
