module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'clock',
  rootDir: __dirname,
  testMatch: ['<rootDir>/{src,test}/**/*.{spec,int-spec,e2e-spec}.ts'],
};
