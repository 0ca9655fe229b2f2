// web-push-testing as the tests' push service, on 127.0.0.1 only, in the
// foreground (its own CLI daemonises and listens on every interface). It
// also records each push request's headers and size, and can be told to
// answer a subscription's next requests with given statuses.
const express = require('express');
const TestingServer = require('web-push-testing/src/server.js');
const {PushApiModel} = require('web-push-testing/src/PushApiModel.js');

const port = Number(process.argv[2]);
const server = new TestingServer(new PushApiModel(), port);
const recorded = [];
const faults = {};
let pushConnections = 0;  // connections that carried a push request

server._app.use((req, res, next) => {
  if (!req.path.startsWith('/notify/')) return next();
  const hash = req.path.slice('/notify/'.length);
  if (!req.socket.carriedPush) {
    req.socket.carriedPush = true;
    pushConnections += 1;
  }
  const headers = {...req.headers};
  if (headers['x-content-encoding']) headers['content-encoding'] = headers['x-content-encoding'];
  const queued = faults[hash] || [];
  const fault = queued.shift();
  recorded.push({hash, headers, length: Buffer.isBuffer(req.body) ? req.body.length : -1, fault: fault || null});
  if (fault) {
    res.set('retry-after', '1');
    return res.status(fault).json({reason: 'stand-in answers ' + fault});
  }
  next();
});
server._app.post('/test/requests', (req, res) => res.json(recorded));
server._app.post('/test/fault/:hash', express.json(), (req, res) => {
  faults[req.params.hash] = req.body.statuses;
  res.sendStatus(200);
});
server.setRequestHandlers();
server._app.post('/test/connections', (req, res) => res.json({connections: pushConnections}));
server._server = server._app.listen(port, '127.0.0.1', () => console.log('web-push-testing on 127.0.0.1:' + port));
