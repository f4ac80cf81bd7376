package conformance

// Each cases package registers its cases from init(); importing it here
// puts them in the run. One line per package.
import (
	_ "socketlab/conformance/cases/browser"
	_ "socketlab/conformance/cases/client"
	_ "socketlab/conformance/cases/contract"
	_ "socketlab/conformance/cases/engineio"
	_ "socketlab/conformance/cases/faults"
	_ "socketlab/conformance/cases/perf"
	_ "socketlab/conformance/cases/security"
	_ "socketlab/conformance/cases/socketio"
	_ "socketlab/conformance/cases/swarm"
)
