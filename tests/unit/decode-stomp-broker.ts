// A minimal STOMP 1.2 broker for recording real @stomp/stompjs clients on
// loopback. Its frames are hand-built here (there is no STOMP broker on npm
// that runs in the test); the client side is the real library.
// Subscriptions, MESSAGE delivery, RECEIPTs, an ERROR for one destination.

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

/** One client connection's broker side; `receive` takes what the client sent. */
export function stompBrokerConnection(send: SendFrame, heartBeatMs = 0): { receive(text: string): void } {
  const subscriptions = new Map<string, string>();
  let messageId = 0;
  return {
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
            for (const [id, subscribed] of subscriptions) {
              if (subscribed !== destination) continue;
              send(
                frame(
                  'MESSAGE',
                  {
                    subscription: id,
                    'message-id': `m-${++messageId}`,
                    destination,
                    'content-type': f.headers.get('content-type') ?? 'text/plain',
                    note: 'a:b',
                  },
                  f.body,
                ),
              );
            }
            break;
          }
        }
        if (receipt) send(frame('RECEIPT', { 'receipt-id': receipt }));
      }
    },
  };
}
