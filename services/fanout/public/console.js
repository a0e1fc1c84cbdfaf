// The analyst console: signs in with an analyst token (sessionStorage), streams alerts
// from /v1/stream (protocol v1, token in the subprotocol list), resumes from the last
// cursor after a drop, filters on the server and locally, shows a virtualised list (only
// the visible rows are in the DOM), counters, a details panel with the status history, and
// triage buttons that POST /v1/alerts/:id/status with the version shown.
(() => {
  const ROW_H = 30;
  const MAX_ALERTS = 20000;
  const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'];
  const RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));
  const $ = (id) => document.getElementById(id);
  const el = {
    conn: $('connection'),
    count: $('count'),
    sevCounts: $('sev-counts'),
    ruleCounts: $('rule-counts'),
    viewport: $('viewport'),
    spacer: $('spacer'),
    list: $('list'),
    empty: $('empty'),
    details: $('details'),
    who: $('who'),
    logout: $('logout'),
    notify: $('notify'),
    login: $('login'),
    loginForm: $('login-form'),
    token: $('token'),
    loginError: $('login-error'),
    filters: $('filters'),
    fSeverity: $('f-severity'),
    fRule: $('f-rule'),
    fTag: $('f-tag'),
    fTenant: $('f-tenant'),
    fStatus: $('f-status'),
    fText: $('f-text'),
    closeForm: $('close-form'),
    dError: $('d-error'),
  };

  /** id → { alert, state, seq } */
  const alerts = new Map();
  /** all ids, newest first (detected_at, then arrival) */
  const order = [];
  /** ids shown after the local filter */
  let visible = [];
  let selected = null;
  let seq = 0;
  let ws = null;
  let cursor = null;
  let delay = 500;
  let me = null;
  let dirty = false;
  const rules = new Map();
  const tenants = new Set();

  // ------------------------------------------------------------------ sign-in

  function token() {
    return sessionStorage.getItem('soc.token');
  }

  function showLogin(message) {
    el.loginError.textContent = message || '';
    if (!el.login.open) el.login.showModal();
    el.token.focus();
  }

  el.loginForm.addEventListener('submit', () => {
    sessionStorage.setItem('soc.token', el.token.value.trim());
    el.token.value = '';
    start();
  });
  el.logout.addEventListener('click', () => {
    sessionStorage.removeItem('soc.token');
    if (ws) ws.close(1000);
    location.reload();
  });

  async function api(path, init) {
    const res = await fetch(path, {
      ...init,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) showLogin('That token was refused (unknown or expired).');
    return { status: res.status, body };
  }

  async function start() {
    if (!token()) return showLogin();
    const res = await api('/v1/me').catch(() => null);
    if (!res) {
      setConn('reconnecting…', false);
      setTimeout(start, delay);
      return;
    }
    if (res.status !== 200) return;
    me = res.body;
    el.who.textContent = `${me.name} (${me.role}) · ${me.tenants === '*' ? 'all tenants' : me.tenants.join(', ')}`;
    el.logout.hidden = false;
    if (Array.isArray(me.tenants)) for (const t of me.tenants) addOption(el.fTenant, t, tenants);
    connect();
  }

  // ------------------------------------------------------------------ stream

  function setConn(text, up) {
    el.conn.textContent = text;
    el.conn.className = `conn ${up ? 'conn-up' : 'conn-down'}`;
  }

  function serverFilter() {
    const f = {};
    if (el.fSeverity.value) f.min_severity = el.fSeverity.value;
    if (el.fRule.value) f.rule_ids = [el.fRule.value];
    if (el.fTag.value.trim()) f.tags = [el.fTag.value.trim()];
    if (el.fTenant.value) f.tenants = [el.fTenant.value];
    if (el.fText.value.trim()) f.text = el.fText.value.trim();
    return f;
  }

  function connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`;
    const socket = new WebSocket(url, ['soc.v1', `bearer.${token()}`]);
    ws = socket;
    setConn(cursor ? 'resuming…' : 'connecting…', false);
    socket.onopen = () => {
      const msg = { type: 'subscribe', filter: serverFilter() };
      if (cursor) msg.cursor = cursor;
      else msg.last = 500;
      socket.send(JSON.stringify(msg));
    };
    socket.onmessage = (event) => onFrame(JSON.parse(event.data));
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      setConn('reconnecting…', false);
      if (event.code === 4001) return showLogin('Your token expired; sign in again.');
      setTimeout(() => {
        if (delay >= 4000) start();
        else connect();
      }, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }

  function onFrame(msg) {
    if (msg.cursor) cursor = msg.cursor;
    switch (msg.type) {
      case 'alert':
        addAlert(msg.alert, msg.state, !msg.replay);
        break;
      case 'status':
        applyStatus(msg.event);
        break;
      case 'live':
        delay = 500;
        setConn('live', true);
        break;
      case 'gap':
        setConn('catching up…', false);
        break;
      case 'error':
        el.dError.textContent = msg.message;
        break;
    }
  }

  function addOption(select, value, known) {
    if (known.has(value)) return;
    known.add(value);
    const o = document.createElement('option');
    o.value = value;
    o.textContent = value;
    select.append(o);
  }

  function addAlert(alert, state, live) {
    const known = alerts.get(alert.id);
    if (known) {
      if (state && state.version > known.state.version) known.state = state;
      return schedule();
    }
    const item = {
      alert,
      state: state || { status: 'open', version: 0, assignee: null },
      seq: seq++,
      addedAt: live ? Date.now() : 0,
    };
    alerts.set(alert.id, item);
    // newest first by detection time; most alerts arrive newest, so this is usually index 0
    let i = 0;
    while (i < order.length && alerts.get(order[i]).alert.detected_at > alert.detected_at) i++;
    order.splice(i, 0, alert.id);
    if (order.length > MAX_ALERTS) {
      const dropped = order.pop();
      alerts.delete(dropped);
    }
    if (!rules.has(alert.rule.id)) {
      rules.set(alert.rule.id, alert.rule.name);
      const o = document.createElement('option');
      o.value = alert.rule.id;
      o.textContent = alert.rule.name;
      el.fRule.append(o);
    }
    if (me && me.tenants === '*') addOption(el.fTenant, alert.tenant, tenants);
    if (live && alert.rule.severity === 'critical') notifyCritical(alert);
    schedule();
  }

  function applyStatus(event) {
    const item = alerts.get(event.alert_id);
    if (!item || event.version <= item.state.version) return;
    item.state = { status: event.status, version: event.version, assignee: event.assignee };
    if (selected === event.alert_id) loadDetails(event.alert_id);
    schedule();
  }

  // ------------------------------------------------------------------ filtering and rendering

  function localMatch(item) {
    const a = item.alert;
    const f = serverFilter();
    if (f.min_severity && RANK[a.rule.severity] < RANK[f.min_severity]) return false;
    if (f.rule_ids && !f.rule_ids.includes(a.rule.id)) return false;
    if (f.tags && !a.rule.tags.some((t) => f.tags.includes(t))) return false;
    if (f.tenants && !f.tenants.includes(a.tenant)) return false;
    if (f.text && !Object.values(a.group).some((v) => v.toLowerCase().includes(f.text.toLowerCase())))
      return false;
    const st = el.fStatus.value;
    if (st === 'active' ? item.state.status === 'closed' : st && item.state.status !== st) return false;
    return true;
  }

  function schedule() {
    if (dirty) return;
    dirty = true;
    requestAnimationFrame(render);
  }

  function render() {
    dirty = false;
    visible = order.filter((id) => localMatch(alerts.get(id)));
    el.spacer.style.height = `${visible.length * ROW_H}px`;
    el.empty.hidden = visible.length > 0;
    el.count.textContent = `${visible.length} alert${visible.length === 1 ? '' : 's'}`;
    renderCounters();
    renderRows();
  }

  function renderCounters() {
    const bySev = {};
    const byRule = new Map();
    for (const id of visible) {
      const a = alerts.get(id).alert;
      bySev[a.rule.severity] = (bySev[a.rule.severity] || 0) + 1;
      byRule.set(a.rule.name, (byRule.get(a.rule.name) || 0) + 1);
    }
    el.sevCounts.replaceChildren(
      ...SEVERITIES.slice()
        .reverse()
        .filter((s) => bySev[s])
        .map((s) => {
          const span = document.createElement('span');
          span.className = `sev sev-${s}`;
          span.dataset.severity = s;
          span.textContent = `${s} ${bySev[s]}`;
          return span;
        }),
    );
    el.ruleCounts.replaceChildren(
      ...[...byRule.entries()]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 15)
        .map(([name, n]) => {
          const li = document.createElement('li');
          li.textContent = `${name} — ${n}`;
          return li;
        }),
    );
  }

  function time(iso) {
    return iso.replace('T', ' ').replace('Z', '');
  }

  function span(text, className) {
    const s = document.createElement('span');
    if (className) s.className = className;
    s.textContent = text;
    return s;
  }

  /** a pool of row elements, reused as the view scrolls: only text and classes change */
  const pool = [];

  function rowElement(i) {
    let row = pool[i];
    if (!row) {
      row = document.createElement('div');
      for (let c = 0; c < 7; c++) row.append(document.createElement('span'));
      pool[i] = row;
    }
    return row;
  }

  function setText(node, text, className) {
    if (node.textContent !== text) node.textContent = text;
    if (className !== undefined && node.className !== className) node.className = className;
  }

  function renderRows() {
    const top = el.viewport.scrollTop;
    const height = el.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_H) - 5);
    const last = Math.min(visible.length, Math.ceil((top + height) / ROW_H) + 5);
    const now = Date.now();
    let n = 0;
    for (let i = first; i < last; i++, n++) {
      const item = alerts.get(visible[i]);
      const a = item.alert;
      const row = rowElement(n);
      const fresh = item.addedAt && now - item.addedAt < 3000;
      const className = `row${visible[i] === selected ? ' selected' : ''}${fresh ? ' new' : ''}`;
      if (row.className !== className) row.className = className;
      row.style.transform = `translateY(${i * ROW_H}px)`;
      if (row.dataset.alertId !== a.id) row.dataset.alertId = a.id;
      const cells = row.children;
      const group = Object.entries(a.group)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      setText(cells[0], time(a.detected_at));
      setText(cells[1], a.rule.severity, `sev sev-${a.rule.severity}`);
      setText(cells[2], a.rule.name);
      setText(cells[3], a.tenant);
      setText(cells[4], group);
      setText(cells[5], String(a.distinct_count ?? a.event_count));
      const st = item.state;
      setText(cells[6], st.assignee ? `${st.status} · ${st.assignee}` : st.status, `st st-${st.status}`);
      if (row.parentNode !== el.list) el.list.append(row);
    }
    while (el.list.children.length > n) el.list.lastChild.remove();
  }

  el.viewport.addEventListener('scroll', () => renderRows(), { passive: true });
  window.addEventListener('resize', () => renderRows());
  el.list.addEventListener('click', (e) => {
    const row = e.target.closest('.row');
    if (row) select(row.dataset.alertId, true);
  });

  function onFilterChange() {
    schedule();
    // the server filters too; widening it brings back recent alerts this page did not get
    if (ws && ws.readyState === WebSocket.OPEN)
      ws.send(JSON.stringify({ type: 'subscribe', filter: serverFilter(), last: 500 }));
  }
  let filterTimer;
  el.filters.addEventListener('input', () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(onFilterChange, 150);
  });
  el.filters.addEventListener('reset', () => setTimeout(onFilterChange, 0));
  el.filters.addEventListener('submit', (e) => e.preventDefault());

  // ------------------------------------------------------------------ details and triage

  function select(id, open) {
    selected = id;
    const i = visible.indexOf(id);
    if (i >= 0) {
      const top = i * ROW_H;
      const vp = el.viewport;
      if (top < vp.scrollTop) vp.scrollTop = top;
      else if (top + ROW_H > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_H - vp.clientHeight;
    }
    renderRows();
    if (open) loadDetails(id);
  }

  function fill(id, text) {
    $(id).textContent = text;
  }

  async function loadDetails(id) {
    const item = alerts.get(id);
    if (!item) return;
    showDetails(item, []);
    const res = await api(`/v1/alerts/${encodeURIComponent(id)}`).catch(() => null);
    if (res && res.status === 200 && selected === id) {
      if (res.body.state.version >= item.state.version) item.state = res.body.state;
      showDetails(item, res.body.history);
      schedule();
    }
  }

  function showDetails(item, history) {
    const a = item.alert;
    el.details.hidden = false;
    el.dError.textContent = '';
    fill('d-title', a.rule.name);
    const sev = $('d-sev');
    sev.className = `sev sev-${a.rule.severity}`;
    sev.textContent = a.rule.severity;
    fill('d-tenant', a.tenant);
    fill('d-time', time(a.detected_at));
    fill('d-status', item.state.status);
    fill('d-assignee', item.state.assignee ? `→ ${item.state.assignee}` : '');
    fill('d-version', String(item.state.version));
    const s = item.state.status;
    $('btn-ack').disabled = s !== 'open';
    $('btn-assign').disabled = s === 'closed';
    $('btn-close').disabled = s === 'closed';
    $('btn-reopen').disabled = s !== 'closed' || !me || me.role !== 'admin';
    $('d-group').replaceChildren(
      ...Object.entries(a.group).map(([k, v]) => {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.textContent = k;
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(th, td);
        return tr;
      }),
    );
    const mitre = a.rule.tags.filter((t) => t.startsWith('attack.'));
    $('d-mitre').replaceChildren(
      ...(mitre.length ? mitre : ['—']).map((t) =>
        span(/^attack\.t\d+/.test(t) ? t.slice(7).toUpperCase() : t.replace(/^attack\./, ''), 'tag'),
      ),
    );
    fill(
      'd-window',
      `${time(a.window_start)} → ${time(a.window_end)} · ${a.event_count} events${a.distinct_count !== undefined ? `, ${a.distinct_count} distinct` : ''}`,
    );
    const ev = $('d-evidence');
    ev.replaceChildren();
    if (a.evidence.values.length) ev.append(span(`values: ${a.evidence.values.join(', ')}`));
    if (a.evidence.event_ids.length) ev.append(span(`events: ${a.evidence.event_ids.join(', ')}`));
    $('d-history').replaceChildren(
      ...history.map((h) => {
        const li = document.createElement('li');
        li.textContent = `${time(h.at)} ${h.actor}: ${h.previous_status} → ${h.status}${h.assignee ? ` (${h.assignee})` : ''}${h.reason ? ` · ${h.reason}` : ''}${h.comment ? ` — ${h.comment}` : ''}`;
        return li;
      }),
    );
  }

  async function triage(action, extra) {
    const item = selected && alerts.get(selected);
    if (!item) return;
    el.dError.textContent = '';
    const id = selected;
    const res = await api(`/v1/alerts/${encodeURIComponent(id)}/status`, {
      method: 'POST',
      body: JSON.stringify({ action, version: item.state.version, ...extra }),
    }).catch(() => ({ status: 0, body: { error: 'network error' } }));
    let error = '';
    if (res.status === 200) {
      if (res.body.state.version > item.state.version) item.state = res.body.state;
    } else {
      if (res.status === 409 && res.body.current) item.state = res.body.current;
      error =
        res.status === 409
          ? 'Someone changed this alert first; here is its current status.'
          : res.body.error || `error ${res.status}`;
    }
    schedule();
    if (selected === id) await loadDetails(id);
    el.dError.textContent = error;
  }

  $('btn-ack').addEventListener('click', () => triage('acknowledge'));
  $('btn-assign').addEventListener('click', () => triage('assign'));
  $('btn-reopen').addEventListener('click', () => triage('reopen'));
  $('btn-close').addEventListener('click', () => {
    el.closeForm.hidden = false;
    $('close-reason').focus();
  });
  el.closeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    el.closeForm.hidden = true;
    const comment = $('close-comment').value.trim();
    $('close-comment').value = '';
    triage('close', { reason: $('close-reason').value, ...(comment ? { comment } : {}) });
  });

  document.addEventListener('keydown', (e) => {
    if (e.target.closest('input, textarea, select, dialog') || e.ctrlKey || e.metaKey || e.altKey) {
      if (e.key === 'Escape') e.target.blur();
      return;
    }
    const i = selected ? visible.indexOf(selected) : -1;
    if (e.key === 'j' || e.key === 'ArrowDown') select(visible[Math.min(visible.length - 1, i + 1)], false);
    else if (e.key === 'k' || e.key === 'ArrowUp') select(visible[Math.max(0, i - 1)], false);
    else if (e.key === 'Enter' && selected) loadDetails(selected);
    else if (e.key === 'a') triage('acknowledge');
    else if (e.key === 's') triage('assign');
    else if (e.key === 'c' && selected) $('btn-close').click();
    else if (e.key === '/') el.fText.focus();
    else if (e.key === 'Escape') el.details.hidden = true;
    else return;
    e.preventDefault();
  });

  // ------------------------------------------------------------------ notifications (opt-in)

  let audio = null;
  el.notify.checked = localStorage.getItem('soc.notify') === '1';
  el.notify.addEventListener('change', () => {
    localStorage.setItem('soc.notify', el.notify.checked ? '1' : '0');
    if (el.notify.checked && 'Notification' in window && Notification.permission === 'default')
      Notification.requestPermission();
  });

  function notifyCritical(alert) {
    if (!el.notify.checked) return;
    try {
      audio = audio || new AudioContext();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.1;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.25);
    } catch {}
    if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
      new Notification(`Critical: ${alert.rule.name}`, {
        body: `${alert.tenant} · ${Object.values(alert.group).join(' ')}`,
        tag: alert.id,
      });
    }
  }

  start();
})();
