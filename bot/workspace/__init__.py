"""Where people work: the queue, items and their actions, access, sign-in, evidence, mailbox."""
