#include "app/cli.hpp"

int main(int argc, char** argv) { return dfauth::app::Main(argc, argv); }
