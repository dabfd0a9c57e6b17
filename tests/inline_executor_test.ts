// The conformance suite on the in-process executor of the tests: what the
// base class gives a subclass that implements only submit and shutdown.
import { executorConformance } from "./_conformance.ts";
import { InlineExecutor } from "./_inline_executor.ts";

executorConformance("InlineExecutor", (options) => new InlineExecutor(options));
