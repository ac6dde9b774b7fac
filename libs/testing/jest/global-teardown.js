// Stops the containers global-setup.js started, if it started any.
module.exports = async function globalTeardown() {
  const containers = globalThis.__SLUICE_CONTAINERS__ || [];
  await Promise.all(containers.map((container) => container.stop()));
};
