"""Care plans: the operator's intake conversation with a citizen and the personalised plan built
from it (special-category data, encrypted per tenant, every staff read and change audited)."""
