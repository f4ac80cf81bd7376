package browser

import "socketlab/conformance/internal/suite"

// The level's cases register in reading order: transports first (the
// client works at all), then errors in the page, progress, reconnection.
func init() {
	suite.Register(transportCases...)
	suite.Register(authCases...)
	suite.Register(progressCases...)
	suite.Register(reconnectCases...)
}
