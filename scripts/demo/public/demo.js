// The demo page's client: one small loop per transport, each drawing its
// status, counters and last few messages into its card. Plain browser
// JavaScript, no build step, so the traffic is exactly what this file does.
(() => {
  const MAX_LOG_LINES = 7;
  const startedAt = Date.now();
  const totals = { connections: 0, messages: 0 };

  const wsOrigin = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;

  function el(id) {
    return document.getElementById(id);
  }

  function clock() {
    return new Date().toLocaleTimeString([], { hour12: false });
  }

  function hex(bytes, max = 16) {
    const parts = [];
    for (let i = 0; i < Math.min(bytes.length, max); i++)
      parts[parts.length] = bytes[i].toString(16).padStart(2, '0');
    return parts.join(' ') + (bytes.length > max ? ' …' : '');
  }

  function refreshTotals() {
    el('total-connections').textContent = String(totals.connections);
    el('total-messages').textContent = String(totals.messages);
  }

  /** A transport's card: status pill, counters line and a short log. */
  function card(id) {
    const root = el(id);
    const counters = {};
    const statusEl = root.querySelector('[data-status]');
    const countersEl = root.querySelector('[data-counters]');
    const logEl = root.querySelector('[data-log]');
    return {
      status(text, kind = 'ok') {
        statusEl.textContent = text;
        statusEl.dataset.kind = kind;
      },
      count(name, by = 1) {
        counters[name] = (counters[name] ?? 0) + by;
        countersEl.textContent = Object.entries(counters)
          .map(([key, value]) => `${key} ${value}`)
          .join(' · ');
      },
      log(direction, text) {
        if (!logEl) return;
        const li = document.createElement('li');
        li.dataset.dir = direction;
        const time = document.createElement('time');
        time.textContent = clock();
        const arrow = document.createElement('span');
        arrow.className = 'dir';
        arrow.textContent = direction === 'out' ? '↑' : direction === 'in' ? '↓' : '•';
        const body = document.createElement('span');
        body.className = 'text';
        body.textContent = text;
        li.append(time, arrow, body);
        logEl.prepend(li);
        while (logEl.children.length > MAX_LOG_LINES) logEl.lastElementChild.remove();
      },
    };
  }

  function opened() {
    totals.connections += 1;
    refreshTotals();
  }

  function message() {
    totals.messages += 1;
    refreshTotals();
  }

  // --- WebSocket chat: text and binary, both directions -------------------
  function startWebSocket() {
    const ui = card('ws');
    const url = `${wsOrigin}/chat`;
    let ws = null;
    let retryMs = 1000;

    const sendBinary = () => {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      // A made-up 8-byte "presence" frame: magic 0x57 0x53, then a uint16 user id and a uint32 time.
      const frame = new DataView(new ArrayBuffer(8));
      frame.setUint8(0, 0x57);
      frame.setUint8(1, 0x53);
      frame.setUint16(2, 42);
      frame.setUint32(4, Math.floor(Date.now() / 1000));
      ws.send(frame.buffer);
      ui.count('sent');
      ui.log('out', `binary 8 B: ${hex(new Uint8Array(frame.buffer))}`);
    };

    const connect = () => {
      ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      opened();
      ui.status('connecting', 'wait');
      ws.onopen = () => {
        retryMs = 1000;
        ui.status('open');
        ws.send('hello from the demo page');
        ui.count('sent');
        ui.log('out', 'hello from the demo page');
        sendBinary();
      };
      ws.onmessage = (event) => {
        message();
        ui.count('received');
        if (typeof event.data === 'string') {
          let line = event.data;
          try {
            const msg = JSON.parse(event.data);
            line = msg.type === 'system' ? msg.text : `${msg.from}: ${msg.text}`;
          } catch {}
          ui.log('in', line);
          return;
        }
        const bytes = new Uint8Array(event.data);
        let decoded = '';
        if (bytes.length === 12) {
          const view = new DataView(event.data);
          decoded = ` (#${view.getUint32(0)}: ${view.getFloat32(4).toFixed(1)} °C, ${view.getFloat32(8).toFixed(0)} %)`;
        }
        ui.count('binary');
        ui.log('in', `binary ${bytes.length} B: ${hex(bytes)}${decoded}`);
      };
      ws.onclose = (event) => {
        ui.status(`closed (${event.code}), retrying`, 'bad');
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 15000);
      };
    };
    connect();

    el('ws-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = el('ws-text');
      const text = input.value.trim();
      if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
      ws.send(text);
      ui.count('sent');
      input.value = '';
    });
    el('ws-binary').addEventListener('click', sendBinary);
  }

  // --- Server-Sent Events ---------------------------------------------------
  function startEventSource() {
    const ui = card('sse');
    const source = new EventSource('/events');
    opened();
    let opens = 0;
    source.onopen = () => {
      opens += 1;
      ui.status(opens > 1 ? `open (reconnected ×${opens - 1})` : 'open');
    };
    source.onerror = () => {
      ui.status(source.readyState === EventSource.CONNECTING ? 'reconnecting' : 'closed', 'wait');
    };
    source.onmessage = (event) => {
      message();
      ui.count('messages');
      let text = event.data;
      try {
        text = JSON.parse(event.data).headline;
      } catch {}
      ui.log('in', `#${event.lastEventId} ${text}`);
    };
    source.addEventListener('price', (event) => {
      message();
      ui.count('price');
      const { symbol, price } = JSON.parse(event.data);
      ui.log('in', `#${event.lastEventId} price ${symbol} ${price}`);
    });
    source.addEventListener('notice', (event) => {
      message();
      ui.count('notice');
      ui.log('in', `#${event.lastEventId} notice: ${event.data}`);
    });
  }

  // --- XHR long-poll, done right: the next poll starts when this one is done -
  function startXhrLongPoll() {
    const ui = card('xhr');
    let since = 0;
    const poll = () => {
      const sentAt = performance.now();
      const xhr = new XMLHttpRequest();
      xhr.open('GET', `/api/inbox?since=${since}`, true);
      xhr.onreadystatechange = () => {
        if (xhr.readyState !== 4) return;
        const held = Math.round(performance.now() - sentAt);
        ui.count('cycles');
        if (xhr.status === 200) {
          message();
          const body = JSON.parse(xhr.responseText);
          since = body.since;
          for (const m of body.messages) ui.log('in', `${m.from}: ${m.subject} (held ${held} ms)`);
          ui.status('waiting for news');
        } else if (xhr.status === 204) {
          ui.log('info', `nothing new (204 after ${held} ms)`);
        } else {
          ui.status(`error ${xhr.status}, retrying`, 'bad');
          setTimeout(poll, 2000);
          return;
        }
        poll();
      };
      xhr.send();
      opened();
      ui.status('waiting for news');
    };
    poll();
  }

  // --- fetch long-poll with a cache-buster ---------------------------------
  function startFetchLongPoll() {
    const ui = card('fetch');
    let cursor = 0;
    const poll = async () => {
      const sentAt = performance.now();
      opened();
      ui.status('waiting for updates');
      try {
        const res = await fetch(`/api/updates?cursor=${cursor}&_=${Date.now()}`);
        const body = await res.json();
        const held = Math.round(performance.now() - sentAt);
        message();
        ui.count('cycles');
        cursor = body.cursor;
        for (const c of body.changes)
          ui.log('in', `${c.op} ${c.doc} → cursor ${body.cursor} (held ${held} ms)`);
        poll();
      } catch (err) {
        ui.status(`error: ${err.message}, retrying`, 'bad');
        setTimeout(poll, 2000);
      }
    };
    poll();
  }

  // --- Short polling widget -------------------------------------------------
  function startShortPolling() {
    const ui = card('poll');
    const tick = async () => {
      opened();
      try {
        const res = await fetch('/api/status');
        const body = await res.json();
        message();
        ui.count('polls');
        ui.status('polling every 2 s');
        el('poll-online').textContent = String(body.online);
        el('poll-load').textContent = body.load.toFixed(2);
        ui.log('in', `${body.online} online, load ${body.load.toFixed(2)}`);
      } catch (err) {
        ui.status(`error: ${err.message}`, 'bad');
      }
    };
    tick();
    setInterval(tick, 2000);
  }

  // --- Socket.IO: polling first, then the upgrade to WebSocket ---------------
  function startSocketIo() {
    const ui = card('io');
    if (typeof window.io !== 'function') {
      ui.status('socket.io client missing', 'bad');
      return;
    }
    const socket = window.io({ transports: ['polling', 'websocket'] });
    opened();
    const ping = () => {
      const sentAt = Date.now();
      const payload = { hello: 'from the page', sentAt, bytes: new Uint8Array([0xca, 0xfe, 0xba, 0xbe]) };
      ui.count('sent');
      ui.log('out', 'ping-server (with 4 binary bytes)');
      socket.emit('ping-server', payload, () => {
        message();
        ui.log('in', `ack after ${Date.now() - sentAt} ms`);
      });
    };
    // Listen for the upgrade as soon as the engine opens: on a busy machine it
    // can complete before the socket's own 'connect' event.
    let upgradedTo = null;
    socket.io.on('open', () => {
      socket.io.engine.once('upgrade', (transport) => {
        upgradedTo = transport.name;
        ui.status(`upgraded to ${transport.name}`);
        ui.log('info', `upgraded polling → ${transport.name}`);
        if (socket.connected) ping();
      });
    });
    socket.on('connect', () => {
      const engine = socket.io.engine;
      ui.log('info', `connected, transport ${engine.transport.name}`);
      if (upgradedTo) ping();
      else ui.status(`connected via ${engine.transport.name}`);
    });
    socket.on('disconnect', (reason) => ui.status(`disconnected (${reason})`, 'bad'));
    socket.on('welcome', (msg) => {
      message();
      ui.log('in', `welcome ${msg.id}`);
    });
    socket.on('tick', (msg) => {
      message();
      ui.count('ticks');
      ui.log('in', `tick ${msg.n}`);
    });
    socket.on('snapshot', (msg) => {
      message();
      ui.count('binary');
      ui.log('in', `snapshot ${msg.n}: ${hex(new Uint8Array(msg.bytes))}`);
    });
    el('io-ping').addEventListener('click', ping);
  }

  // --- STOMP: two subscriptions, SEND with a receipt, the broker's MESSAGEs ---
  function startStomp() {
    const ui = card('stomp');
    if (!window.StompJs) {
      ui.status('STOMP client missing', 'bad');
      return;
    }
    const ITEMS = ['coffee', 'bagel', 'tea', 'muffin'];
    let orderId = 0;
    let timer = 0;
    const client = new window.StompJs.Client({
      brokerURL: `${wsOrigin}/stomp`,
      reconnectDelay: 5000,
      heartbeatIncoming: 0,
      heartbeatOutgoing: 0,
    });
    const sendOrder = () => {
      orderId += 1;
      const receipt = `order-${orderId}`;
      const sentAt = Date.now();
      client.watchForReceipt(receipt, () => {
        message();
        ui.count('receipts');
        ui.log('in', `RECEIPT ${receipt} after ${Date.now() - sentAt} ms`);
      });
      const order = { id: orderId, item: ITEMS[orderId % ITEMS.length], qty: 1 + (orderId % 3) };
      client.publish({
        destination: '/topic/orders',
        body: JSON.stringify(order),
        headers: { receipt, 'content-type': 'application/json' },
      });
      ui.count('sent');
      ui.log('out', `SEND order #${order.id} (receipt ${receipt})`);
    };
    client.beforeConnect = () => {
      opened();
      ui.status('connecting', 'wait');
    };
    client.onConnect = () => {
      ui.status('connected');
      client.subscribe('/topic/orders', (m) => {
        message();
        ui.count('messages');
        const order = JSON.parse(m.body);
        ui.log('in', `MESSAGE order #${order.id}: ${order.qty} × ${order.item}`);
      });
      client.subscribe('/topic/prices', (m) => {
        message();
        ui.count('messages');
        const { symbol, price } = JSON.parse(m.body);
        ui.log('in', `MESSAGE price ${symbol} ${price}`);
      });
      clearInterval(timer);
      sendOrder();
      timer = setInterval(sendOrder, 3000);
    };
    client.onWebSocketClose = () => {
      clearInterval(timer);
      ui.status('closed, reconnecting', 'bad');
    };
    client.activate();
  }

  // --- MQTT: QoS 1 and QoS 2 publishes, delivered back through sensors/# ------
  function startMqtt() {
    const ui = card('mqtt');
    if (!window.mqtt) {
      ui.status('MQTT client missing', 'bad');
      return;
    }
    const ROOMS = ['desk', 'lab', 'roof'];
    let seq = 0;
    let timer = 0;
    const client = window.mqtt.connect(`${wsOrigin}/mqtt`, {
      clientId: `wirescope-demo-${Math.random().toString(16).slice(2, 8)}`,
      keepalive: 30,
      reconnectPeriod: 5000,
    });
    opened();
    const publish = () => {
      seq += 1;
      const qos = seq % 3 === 0 ? 2 : 1;
      const topic = `sensors/${ROOMS[seq % ROOMS.length]}`;
      const reading = { seq, celsius: Number((20 + 3 * Math.sin(seq / 4)).toFixed(1)) };
      const sentAt = Date.now();
      client.publish(topic, JSON.stringify(reading), { qos }, (err) => {
        if (err) {
          ui.status(`error: ${err.message}`, 'bad');
          return;
        }
        message();
        ui.count(qos === 2 ? 'pubcomp' : 'puback');
        ui.log(
          'in',
          `${qos === 2 ? 'PUBCOMP' : 'PUBACK'} for reading ${seq} after ${Date.now() - sentAt} ms`,
        );
      });
      ui.count('published');
      ui.log('out', `PUBLISH ${topic} qos ${qos} (reading ${seq})`);
    };
    client.on('connect', () => {
      ui.status('connected');
      client.subscribe('sensors/#', { qos: 2 });
      clearInterval(timer);
      publish();
      timer = setInterval(publish, 2000);
    });
    client.on('message', (topic, payload) => {
      message();
      ui.count('received');
      ui.log('in', `${topic}: ${payload}`);
    });
    client.on('reconnect', opened);
    client.on('close', () => {
      clearInterval(timer);
      ui.status('closed, reconnecting', 'wait');
    });
  }

  // --- GraphQL over WebSocket: a subscription, and a query or a mutation ------
  function startGraphql() {
    const ui = card('graphql');
    if (!window.graphqlWs) {
      ui.status('graphql-ws client missing', 'bad');
      return;
    }
    const client = window.graphqlWs.createClient({
      url: `${wsOrigin}/graphql`,
      lazy: false,
      on: {
        connecting: () => {
          opened();
          ui.status('connecting', 'wait');
        },
        connected: () => ui.status('connected'),
        closed: () => ui.status('closed', 'wait'),
      },
    });
    const failed = (err) => ui.status(`error: ${err.message ?? err}`, 'bad');
    client.subscribe(
      { query: 'subscription Ticks { ticks(everyMs: 2000) }' },
      {
        next: (result) => {
          message();
          ui.count('ticks');
          ui.log('in', `next ticks ${result.data.ticks}`);
        },
        error: failed,
        complete: () => ui.log('info', 'ticks complete'),
      },
    );
    let calls = 0;
    const call = () => {
      calls += 1;
      const query = calls % 2 === 1;
      const operation = query
        ? { query: 'query Hello($name: String!) { hello(name: $name) }', variables: { name: 'Ada' } }
        : {
            query: 'mutation Echo($text: String!) { echo(text: $text) }',
            variables: { text: `echo ${calls}` },
          };
      const sentAt = Date.now();
      ui.count(query ? 'queries' : 'mutations');
      ui.log('out', query ? 'query Hello' : `mutation Echo "echo ${calls}"`);
      client.subscribe(operation, {
        next: (result) => {
          message();
          ui.log('in', `${JSON.stringify(result.data)} after ${Date.now() - sentAt} ms`);
        },
        error: failed,
        complete: () => {},
      });
    };
    call();
    setInterval(call, 4000);
  }

  // --- Ordinary REST calls on click ----------------------------------------
  function startRest() {
    const ui = card('rest');
    const call = async (label, url, init) => {
      opened();
      ui.count('calls');
      ui.log('out', label);
      try {
        const res = await fetch(url, init);
        const body = await res.json();
        message();
        ui.status(`${res.status} ${res.statusText}`);
        ui.log('in', `${res.status} ${JSON.stringify(body).slice(0, 80)}`);
      } catch (err) {
        ui.status(`error: ${err.message}`, 'bad');
      }
    };
    el('rest-profile').addEventListener('click', () => call('GET /api/profile', '/api/profile'));
    el('rest-note').addEventListener('click', () =>
      call('POST /api/notes', '/api/notes', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Remember the retro', at: new Date().toISOString() }),
      }),
    );
  }

  // --- The poll storm --------------------------------------------------------
  // `longPoll` below is the tutorial's long poll as written: setTimeout(longPoll, 1000)
  // sits inside onreadystatechange but outside the readyState check, so it runs for
  // readyState 2, 3 and 4 alike. Only the first line is ours: it ends the storm after
  // 10 s (or 400 polls) so the demo cannot flood the machine. The polls go to the
  // other loopback host name so the browser's six-connections-per-host limit does
  // not stall the rest of the demo.
  const STORM_MS = 10000;
  const STORM_MAX_POLLS = 400;
  const storm = { startedAt: 0, polls: 0, done: 0, timer: 0 };
  const stormHost = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  const url = `${location.protocol}//${stormHost}:${location.port}/api/storm`;

  function stormRunning() {
    if (storm.startedAt === 0 || Date.now() - storm.startedAt > STORM_MS || storm.polls >= STORM_MAX_POLLS)
      return false;
    storm.polls += 1;
    totals.connections += 1;
    return true;
  }

  function longPoll() {
    if (!stormRunning()) return;
    const xhr = new XMLHttpRequest();
    xhr.open('GET', url, true);
    xhr.onreadystatechange = () => {
      if (xhr.readyState === 4 && xhr.status === 200) {
        console.log(xhr.responseText);
      }
      setTimeout(longPoll, 1000);
    };
    xhr.send();
  }

  function startStormWidget() {
    const ui = card('storm');
    el('storm-code').textContent = longPoll.toString();
    // Completed polls are counted from resource timing, so the snippet stays as written.
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.name.startsWith(url)) storm.done += 1;
    }).observe({ type: 'resource', buffered: false });
    const start = () => {
      if (storm.timer) return;
      storm.startedAt = Date.now();
      storm.polls = 0;
      storm.done = 0;
      el('storm-start').disabled = true;
      ui.status('storming', 'bad');
      storm.timer = setInterval(() => {
        const elapsed = Date.now() - storm.startedAt;
        refreshTotals();
        const line = `started ${storm.polls} · completed ${storm.done} · in flight ${storm.polls - storm.done}`;
        el('storm').querySelector('[data-counters]').textContent = line;
        if (elapsed > STORM_MS) {
          ui.status('stopped, draining', 'wait');
          if (storm.done >= storm.polls || elapsed > STORM_MS + 30000) {
            clearInterval(storm.timer);
            storm.timer = 0;
            ui.status('stopped');
            el('storm-start').disabled = false;
          }
        } else {
          ui.status(`storming (${Math.ceil((STORM_MS - elapsed) / 1000)} s left)`, 'bad');
        }
      }, 250);
      longPoll();
    };
    el('storm-start').addEventListener('click', start);
    if (new URLSearchParams(location.search).get('storm') === '1') start();
  }

  // --- A Web Worker's heartbeat: traffic the page hook cannot see --------------
  // Not in the page's totals, which count what the timeline shows.
  function startWorker() {
    const ui = card('worker');
    const worker = new Worker('/demo-worker.js');
    worker.onmessage = (e) => {
      if (!e.data.ok) {
        ui.status(`error: ${e.data.error}`, 'bad');
        return;
      }
      ui.count('beats');
      ui.status('beating every 3 s');
      ui.log('in', `beat ${e.data.body.beat} at ${e.data.body.time.slice(11, 19)}`);
    };
  }

  setInterval(() => {
    el('uptime').textContent = `${Math.round((Date.now() - startedAt) / 1000)} s`;
  }, 1000);

  startWebSocket();
  startEventSource();
  startXhrLongPoll();
  startFetchLongPoll();
  startShortPolling();
  startSocketIo();
  startStomp();
  startMqtt();
  startGraphql();
  startRest();
  startWorker();
  startStormWidget();
})();
