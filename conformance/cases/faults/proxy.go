package faults

import (
	"fmt"

	"socketlab/conformance/internal/faultproxy"
	"socketlab/conformance/internal/suite"
	"socketlab/conformance/internal/wire"
)

// startProxy starts a fault proxy in front of the case's subject, closed
// with the case, and returns it with the base URL the clients dial.
func startProxy(c *suite.C) (*faultproxy.Proxy, string, error) {
	upstream, err := wire.SplitBase(c.URL())
	if err != nil {
		return nil, "", err
	}
	p, err := faultproxy.Start(upstream)
	if err != nil {
		return nil, "", fmt.Errorf("starting the fault proxy: %w", err)
	}
	c.Cleanup(p.Close)
	c.Logf("fault proxy %s → %s", p.Addr, upstream)
	return p, "http://" + p.Addr, nil
}

// setToxics changes the proxy's faults and says so in the wire log, so
// that the report shows which frames crossed which network.
func setToxics(c *suite.C, p *faultproxy.Proxy, t faultproxy.Toxics, what string) {
	p.Set(t)
	c.Logf("fault proxy: %s", what)
}
