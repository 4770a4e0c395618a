package dev.ksim.engine.mm;

import java.util.Arrays;

/**
 * An anonymous mapping's family ({@code struct anon_vma} with its chain, mm/rmap.c): the VMA a
 * process created and every copy {@code fork} made of it, in the children and their children. An
 * anonymous page created in any member (first touch or copy-on-write) reverse-maps to that member
 * (its {@link FrameTable#rmapVma}) at its page offset, and may be mapped by any member at the same
 * offset — fork copies address spaces at the same virtual addresses, and mremap is not simulated,
 * so a page's offset is the same in every member. {@link Rmap} finds a page's mappers by walking
 * the members of its family and comparing their PTE at that offset.
 *
 * <p>Deviation: Linux gives each child VMA its own anon_vma (chained to the parent's) so that a
 * page a child creates is not searched for in the parent; ksim keeps one family per original
 * mapping, which finds the same mappers with a slightly longer walk. Members are kept in creation
 * order (deterministic walks); a member is removed when its process exits or the VMA is unmapped
 * entirely.
 */
final class AnonVma {
    private VmArea[] members = new VmArea[1];
    private int size;

    AnonVma(VmArea root) {
        add(root);
    }

    void add(VmArea vma) {
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        members[size++] = vma;
    }

    void remove(VmArea vma) {
        for (int i = 0; i < size; i++) {
            if (members[i] == vma) {
                System.arraycopy(members, i + 1, members, i, size - i - 1);
                members[--size] = null;
                return;
            }
        }
    }

    int size() {
        return size;
    }

    VmArea member(int i) {
        return members[i];
    }
}
