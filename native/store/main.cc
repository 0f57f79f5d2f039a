#include "store_runner.h"

int main(int argc, char** argv) { return plasmasharp::store::RunStoreMain(argc, argv); }
