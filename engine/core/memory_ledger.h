#pragma once
// The recorder is public (the program that owns an Engine may own its ledger too).
#include "deepwell/ledger.h"
