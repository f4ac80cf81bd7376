package browser

import (
	"errors"
	"time"

	chrome "socketlab/conformance/internal/browser"
	"socketlab/conformance/internal/jwtmint"
	"socketlab/conformance/internal/suite"
)

var authCases = []suite.Case{
	{
		ID: "BROWSER-AUTH-1", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title: `A bad token surfaces in the page as connect_error "Invalid token"`,
		Requirement: `"Refused with M": "the server answers the CONNECT with exactly one CONNECT_ERROR for / whose message is exactly M; the socket is not connected" — ` +
			`a token with "a wrong or empty signature" is "Refused with Invalid token" (AUTH-3), and the official client reports the refusal to the page as connect_error with that message.`,
		Source: "contract §0 (Refused with M), AUTH-3, IO-2",
		Steps: []string{
			"in Chromium, io(target, {auth: {token}}) with a token of a fresh identity signed with another secret",
			`expect connect_error whose err.message is exactly "Invalid token", and no connect`,
		},
		Timeout: 2 * time.Minute,
		Run: func(c *suite.C) error {
			t := newTenant(c)
			forged := jwtmint.New("not-"+c.Cfg.Secret).Token(t.Member, time.Hour)
			return refusedInPage(c, auth(forged), "Invalid token")
		},
	},
	{
		ID: "BROWSER-AUTH-2", Level: suite.LevelBrowser, On: suite.App, Strength: suite.Must,
		Title:       `A missing token surfaces in the page as connect_error "Authentication required"`,
		Requirement: `"No CONNECT payload, no token member, or a token that is null or "" MUST be refused with Authentication required" (AUTH-2), which the official client reports to the page as connect_error with that message.`,
		Source:      "contract AUTH-2, §0 (Refused with M), IO-2",
		Steps: []string{
			"in Chromium, io(target) with no auth option (the client sends CONNECT with no payload)",
			`expect connect_error whose err.message is exactly "Authentication required", and no connect`,
		},
		Timeout: 2 * time.Minute,
		Run: func(c *suite.C) error {
			return refusedInPage(c, nil, "Authentication required")
		},
	},
}

// refusedInPage connects the page with authPayload (nil: no auth option)
// and expects the refusal message in connect_error.
func refusedInPage(c *suite.C, authPayload any, message string) error {
	tab, err := openTab(c)
	if err != nil {
		return err
	}
	c.Expect("connect_error with message %q, no connect", message)
	if err := tab.Connect(c.Ctx, c.Cfg.Target, chrome.ConnectOptions{Auth: authPayload}); err != nil {
		return err
	}
	ctx, cancel := c.Within(replyWait(c))
	defer cancel()
	r, err := tab.Wait(ctx, 0, "connect_error", func(r chrome.Record) bool {
		return r.Kind == "connect" || r.Kind == "connect_error"
	})
	var timeout *chrome.TimeoutError
	switch {
	case errors.As(err, &timeout):
		return suite.Violationf("connect_error "+message, "neither connect nor connect_error within %v; the page saw: %s", replyWait(c), chrome.Kinds(timeout.Seen))
	case err != nil:
		return err
	case r.Kind == "connect":
		return suite.Violationf("connect_error "+message, "the page connected (socket.id %s)", r.ID)
	case r.Message != message:
		return suite.Violationf("connect_error "+message, "connect_error %q (data %s)", r.Message, r.Data)
	}
	c.Observed("connect_error %q in the page (socket.active %v afterwards)", r.Message, r.Active)
	return nil
}
