# Warnings every memwall target builds with; -Werror stays off so a newer compiler's new warning
# never breaks a user's build, but the tree is kept clean of them.
add_library(memwall_warnings INTERFACE)
target_compile_options(memwall_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                       -Wnon-virtual-dtor -Wcast-align -Wimplicit-fallthrough)
