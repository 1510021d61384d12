/**
 * Preloaded (`node --import`) into Meridian by `bench/run.mjs --profile`: V8 writes the
 * --cpu-prof profile only when the process exits normally, and a SIGTERM/SIGINT without a handler
 * kills it before that. Registered first, so it runs before any handler Meridian installs.
 */
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
