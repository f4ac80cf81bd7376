package browser

import (
	"context"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// SetOffline takes the tab off the network or puts it back, as DevTools'
// "Offline" does: every request of the page fails
// (Network.emulateNetworkConditionsByRule with a global offline rule), and
// navigator.onLine turns false with the window's "offline" event
// (Network.overrideNetworkState), which is how a browser tells pages that
// the network went away. Online again, both are lifted.
func (t *Tab) SetOffline(ctx context.Context, offline bool) error {
	rctx, done := t.bind(ctx)
	defer done()
	rules := []*network.Conditions{}
	if offline {
		rules = append(rules, &network.Conditions{URLPattern: "", Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
	}
	if _, err := chromedp.Call(rctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules}); err != nil {
		return err
	}
	_, err := chromedp.Call(rctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: offline, DownloadThroughput: -1, UploadThroughput: -1})
	if err == nil {
		state := "online"
		if offline {
			state = "offline"
		}
		t.log.Notef("CDP network emulation: %s", state)
	}
	return err
}
