// Live alert list: connects to /v1/stream, shows alerts newest first, reconnects with
// backoff when the connection drops. Alerts already shown (same id) are not repeated.
(() => {
  const MAX_ROWS = 1000;
  const tbody = document.querySelector('#alerts tbody');
  const conn = document.getElementById('connection');
  const count = document.getElementById('count');
  const empty = document.getElementById('empty');
  const seen = new Set();
  let delay = 500;

  function cell(text, className) {
    const td = document.createElement('td');
    if (className) {
      const span = document.createElement('span');
      span.className = className;
      span.textContent = text;
      td.appendChild(span);
    } else td.textContent = text;
    return td;
  }

  function time(iso) {
    return iso.replace('T', ' ').replace('Z', '');
  }

  function show(alert) {
    if (seen.has(alert.id)) return;
    seen.add(alert.id);
    const tr = document.createElement('tr');
    tr.className = 'new';
    tr.dataset.alertId = alert.id;
    const group = Object.entries(alert.group)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    tr.append(
      cell(time(alert.detected_at)),
      cell(alert.rule.severity, `sev sev-${alert.rule.severity}`),
      cell(alert.rule.name),
      cell(alert.tenant),
      cell(group),
      cell(String(alert.distinct_count ?? alert.event_count)),
      cell(`${time(alert.window_start)} → ${time(alert.window_end)}`),
    );
    tbody.prepend(tr);
    while (tbody.rows.length > MAX_ROWS) tbody.deleteRow(-1);
    empty.hidden = true;
    count.textContent = `${seen.size} alert${seen.size === 1 ? '' : 's'}`;
  }

  function connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`;
    const ws = new WebSocket(url);
    ws.onopen = () => {
      delay = 500;
      conn.textContent = 'live';
      conn.className = 'conn conn-up';
    };
    ws.onmessage = (event) => {
      const msg = JSON.parse(event.data);
      if (msg.type === 'alert') show(msg.alert);
    };
    ws.onclose = () => {
      conn.textContent = 'reconnecting…';
      conn.className = 'conn conn-down';
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
