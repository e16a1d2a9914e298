import { createFrookoonClient, getProblem } from '@frookoon/sdk';

declare const __API_URL__: string;

let token: string | null = sessionStorage.getItem('frookoon.token');
const client = createFrookoonClient({ url: __API_URL__, token: () => token });

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function showError(err: unknown) {
  const problem = getProblem(err);
  $('error').textContent = problem
    ? `${problem.title} (${problem.error_code}): ${problem.detail}\nrequest ${problem.request_id}`
    : `Cannot reach the API at ${__API_URL__}`;
}

async function refreshUser() {
  $('logout').hidden = !token;
  if (!token) {
    $('who').textContent = 'Not logged in.';
    return;
  }
  try {
    const me = await client.auth.me.query();
    $('who').textContent = `Logged in as ${me.name} <${me.email}> (${me.role})`;
  } catch (err) {
    if (getProblem(err, 'UNAUTHORIZED')) setToken(null);
    showError(err);
  }
}

async function refreshProducts() {
  try {
    const { items } = await client.products.list.query({ limit: 50 });
    const rows = items.map((p) => {
      const tr = document.createElement('tr');
      const price = new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency }).format(p.priceCents / 100);
      for (const text of [p.name, p.sku, price, String(p.stock)]) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    });
    $('products').replaceChildren(...rows);
  } catch (err) {
    showError(err);
  }
}

function setToken(next: string | null) {
  token = next;
  if (next) sessionStorage.setItem('frookoon.token', next);
  else sessionStorage.removeItem('frookoon.token');
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('error').textContent = '';
  const form = new FormData(event.target as HTMLFormElement);
  try {
    const result = await client.auth.login.mutate({ email: String(form.get('email')), password: String(form.get('password')) });
    setToken(result.token);
    await refreshUser();
  } catch (err) {
    showError(err);
  }
});

$('logout').addEventListener('click', async () => {
  await client.auth.logout.mutate().catch(() => undefined);
  setToken(null);
  await refreshUser();
});

void refreshUser();
void refreshProducts();
