import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const apiUrl = process.env.VITE_API_URL ?? `http://localhost:${process.env.PORT ?? 4000}`;

export default defineConfig({
  plugins: [react()],
  define: { __API_URL__: JSON.stringify(apiUrl) },
  server: { port: Number(process.env.DEMO_PORT ?? 5173), strictPort: true, host: 'localhost' },
  preview: { port: Number(process.env.DEMO_PORT ?? 5173), strictPort: true, host: 'localhost' },
  build: { sourcemap: true },
});
