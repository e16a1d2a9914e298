import { Option, type Command } from 'commander';
import password from '@inquirer/password';
import { ROLES, type Role, type RouterOutputs } from '@frookoon/sdk';
import { integer } from '../args';
import { contextOf } from '../context';
import { details, emit, money, table, when } from '../output';

type Product = RouterOutputs['products']['byId'];

const showProduct = (p: Product) =>
  details({
    id: p.id, name: p.name, sku: p.sku, price: money(p.priceCents, p.currency), 'in stock': p.stock, vendor: p.vendorId, created: when(p.createdAt),
  });

/** Products, vendors and accounts: what an admin sets up, and a vendor its own products. */
export function registerCatalogCommands(program: Command): void {
  const products = program.command('products').description('List and create products');

  products
    .command('list')
    .description('Products with their stock, oldest first')
    .option('--vendor <vendorId>', "only this vendor's products")
    .option('--limit <n>', 'products per page (1 to 100)', integer(1, 100), 20)
    .option('--cursor <productId>', 'the page after this product (the nextCursor of the previous page)')
    .action(async (opts: { vendor?: string; limit: number; cursor?: string }, command: Command) => {
      const ctx = contextOf(command);
      const page = await (await ctx.client()).products.list.query({ vendorId: opts.vendor, limit: opts.limit, cursor: opts.cursor });
      emit(ctx, page, () => {
        if (page.items.length === 0) return 'No products.';
        const rows = page.items.map((p) => [p.id, p.sku, p.name, money(p.priceCents, p.currency), p.stock]);
        return table(['id', 'sku', 'name', 'price', 'in stock'], rows) + (page.nextCursor ? `\nMore: --cursor ${page.nextCursor}` : '');
      });
    });

  products
    .command('create')
    .description('Create a product with its initial stock (an admin names the vendor; a vendor creates its own)')
    .requiredOption('--name <name>', 'product name')
    .requiredOption('--sku <sku>', 'stock keeping unit: letters, digits, dot, dash and underscore')
    .requiredOption('--price-cents <n>', 'price in the smallest unit of the currency', integer(0, 100_000_000))
    .requiredOption('--currency <code>', 'ISO 4217 code, e.g. INR')
    .option('--stock <n>', 'initial units in stock', integer(0, 1_000_000), 0)
    .option('--vendor <vendorId>', 'the vendor selling it (admins)')
    .action(async (opts: { name: string; sku: string; priceCents: number; currency: string; stock: number; vendor?: string }, command: Command) => {
      const ctx = contextOf(command);
      const product = await (await ctx.client()).products.create.mutate({
        name: opts.name, sku: opts.sku, priceCents: opts.priceCents, currency: opts.currency, initialStock: opts.stock, vendorId: opts.vendor,
      });
      emit(ctx, product, () => `Created product ${product.id}.\n${showProduct(product)}`);
    });

  program
    .command('vendors')
    .description('Create vendors (admins)')
    .command('create')
    .description('Create a vendor; give it an account with `users create --role vendor --vendor <id>`')
    .requiredOption('--name <name>', 'vendor name')
    .action(async (opts: { name: string }, command: Command) => {
      const ctx = contextOf(command);
      const vendor = await (await ctx.client()).vendors.create.mutate({ name: opts.name });
      emit(ctx, vendor, () => `Created vendor ${vendor.id}.\n${details({ id: vendor.id, name: vendor.name, created: when(vendor.createdAt) })}`);
    });

  program
    .command('users')
    .description('Create accounts (admins)')
    .command('create')
    .description('Create an account of any role')
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--name <name>', 'full name')
    .addOption(new Option('--role <role>', 'role').choices(ROLES).makeOptionMandatory())
    .option('--vendor <vendorId>', 'the vendor a vendor account acts for')
    .option('--password <password>', 'initial password, at least 10 characters (asked for, hidden, when left out)')
    .action(async (opts: { email: string; name: string; role: Role; vendor?: string; password?: string }, command: Command) => {
      const ctx = contextOf(command);
      if (opts.password === undefined && !process.stdin.isTTY) command.error('error: --password is needed when not at a terminal');
      const secret = opts.password ?? (await password({ message: 'Password for the new account', mask: true }, { output: process.stderr }));
      const user = await (await ctx.client()).users.create.mutate({
        email: opts.email, name: opts.name, role: opts.role, vendorId: opts.vendor, password: secret,
      });
      emit(ctx, user, () =>
        `Created ${user.email} (${user.role}).\n${details({ id: user.id, email: user.email, name: user.name, role: user.role, vendor: user.vendorId })}`,
      );
    });
}
